import { MalformedTraceRequest, readOtlpJson, type SpanRecord } from './otlp-json';
import { SpanStore } from './span-store';

const span = (traceId: string, spanId: string, extra: Partial<SpanRecord> = {}): SpanRecord => ({
  traceId,
  spanId,
  parentSpanId: null,
  service: 'order',
  name: 'n',
  kind: 'INTERNAL',
  startMs: 0,
  durationMs: 1,
  failed: false,
  attributes: {},
  links: [],
  ...extra,
});

describe('reading OTLP/HTTP JSON', () => {
  it('reads each span with its service, kind, times, attributes and links, ids in hex', () => {
    const [read] = readOtlpJson({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'payment' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'AAECAwQFBgcICQoLDA0ODw==', // base64 of 00..0f
                  spanId: 'a1b2c3d4e5f60718',
                  parentSpanId: '',
                  name: 'process payment.charge',
                  kind: 5,
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000012500000',
                  attributes: [
                    { key: 'order.id', value: { stringValue: 'o-1' } },
                    { key: 'messaging.batch.message_count', value: { intValue: '3' } },
                    { key: 'ok', value: { boolValue: true } },
                  ],
                  links: [{ traceId: 'ffffffffffffffffffffffffffffffff', spanId: '0000000000000001' }],
                  status: { code: 2 },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(read).toEqual({
      traceId: '000102030405060708090a0b0c0d0e0f',
      spanId: 'a1b2c3d4e5f60718',
      parentSpanId: null,
      service: 'payment',
      name: 'process payment.charge',
      kind: 'CONSUMER',
      startMs: 1_700_000_000_000,
      durationMs: 12.5,
      failed: true,
      attributes: { 'order.id': 'o-1', 'messaging.batch.message_count': 3, ok: true },
      links: [{ traceId: 'ffffffffffffffffffffffffffffffff', spanId: '0000000000000001' }],
    });
  });

  it('refuses a body that is not an OTLP trace request, naming the field', () => {
    expect(() => readOtlpJson({ spans: [] })).toThrow(MalformedTraceRequest);
    expect(() => readOtlpJson({ spans: [] })).toThrow('resourceSpans');
    expect(() => readOtlpJson({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'aa', spanId: 'bb', startTimeUnixNano: 'soon' }] }] }] })).toThrow(
      'resourceSpans.0.scopeSpans.0.spans.0.startTimeUnixNano',
    );
    for (const broken of [
      { resourceSpans: [null] },
      { resourceSpans: [{ scopeSpans: 5 }] },
      { resourceSpans: [{ scopeSpans: [{ spans: [null] }] }] },
      { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 123 }] }] }] },
      { resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: {} }] }] }] },
      { resourceSpans: [{ scopeSpans: [{ spans: [{ links: 'x' }] }] }] },
      { resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [{ key: 'k', value: { arrayValue: { values: {} } } }] }] }] }] },
    ]) {
      expect(() => readOtlpJson(broken)).toThrow(MalformedTraceRequest);
    }
  });
});

describe('the span store', () => {
  it("finds an order's trace by the order.id its spans carry, and the relay spans that link into it", () => {
    const store = new SpanStore();
    store.add([
      span('t1', 'a', { startMs: 2, attributes: { 'order.id': 'o-1' } }),
      span('t1', 'b', { startMs: 1, parentSpanId: 'a' }),
      // A relay publish: its own trace, linked to rows of two orders; it does not make t9 an order's trace.
      span('t9', 'r', { kind: 'PRODUCER', attributes: { 'order.id': 'o-1' }, links: [{ traceId: 't1', spanId: 'a' }, { traceId: 't2', spanId: 'x' }] }),
    ]);
    const trace = store.orderTrace('o-1');
    expect(trace?.traceId).toBe('t1');
    expect(trace?.spans.map((each) => each.spanId)).toEqual(['b', 'a']); // by start time
    expect(trace?.linkedSpans.map((each) => each.spanId)).toEqual(['r']);
    expect(store.orderTrace('o-2')).toBeNull();
  });

  it('drops the oldest traces, and what pointed at them, past its span limit', () => {
    const store = new SpanStore(3);
    store.add([span('t1', 'a', { attributes: { 'order.id': 'o-1' } }), span('t1', 'b')]);
    store.add([span('t2', 'c', { attributes: { 'order.id': 'o-2' } }), span('t2', 'd')]);
    expect(store.orderTrace('o-1')).toBeNull();
    expect(store.orderTrace('o-2')?.spans).toHaveLength(2);
    expect(store.size).toEqual({ traces: 1, spans: 2 });
  });

  it('takes back the links of an evicted relay span, also to traces that never arrived (not sampled)', () => {
    const store = new SpanStore(2);
    store.add([span('relay', 'r', { kind: 'PRODUCER', links: [{ traceId: 't1', spanId: 'a' }, { traceId: 'unsampled', spanId: 'x' }] })]);
    store.add([span('t1', 'a', { attributes: { 'order.id': 'o-1' } })]);
    expect(store.orderTrace('o-1')?.linkedSpans.map((each) => each.spanId)).toEqual(['r']);
    expect(store.linkTargets).toBe(2);

    store.add([span('t3', 'c'), span('t3', 'd')]); // evicts the relay's trace and t1

    expect(store.linkTargets).toBe(0);
    expect(store.size).toEqual({ traces: 1, spans: 2 });
  });
});
