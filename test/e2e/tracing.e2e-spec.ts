import { eventually, http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

interface TraceSpan {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: string;
  startTime: string;
  durationMs: number;
  attributes: Record<string, string | number | boolean>;
}
interface OrderTrace {
  traceId: string | null;
  spans: TraceSpan[];
  linkedSpans: (TraceSpan & { traceId: string })[];
}

const traceOf = async (orderId: string) => (await http<OrderTrace>('GET', `${urls.console}/api/orders/${orderId}/trace`)).body;
const rootsOf = (trace: OrderTrace) => trace.spans.filter((span) => span.parentSpanId === null);
const FIVE_SERVICES = ['inventory', 'notification', 'order', 'payment', 'points'];

describe('one order, one trace', () => {
  it('follows a completed order from the POST through every command, reply and event on both brokers, in all five services', async () => {
    const sku = unique('lamp');
    const customer = unique('customer');
    await putProduct(sku, 2_500, 5);
    await putAccount(customer, 100_000);
    const placed = await placeOrder(customer, [{ sku, quantity: 2 }]);
    expect(placed.status).toBe(202);
    expect((await terminalOrder(placed.body.id)).status).toBe('COMPLETED');

    // Each service exports its spans in batches about once a second, so the POST's span may come after the last consumer's.
    const trace = await eventually(
      () => traceOf(placed.body.id),
      (seen) => rootsOf(seen).length > 0 && FIVE_SERVICES.every((service) => seen.spans.some((span) => span.service === service && span.kind === 'CONSUMER')),
      { what: `the root span and the consumer spans of order ${placed.body.id} from all five services`, timeoutMs: 20_000, intervalMs: 250 },
    );

    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    // The trace starts at the POST: one root, the request, and every other span descends from it.
    expect(rootsOf(trace)).toEqual([expect.objectContaining({ service: 'order', kind: 'SERVER', name: 'POST /orders' })]);
    const ids = new Set(trace.spans.map((span) => span.spanId));
    const orphans = trace.spans.filter((span) => span.parentSpanId !== null && !ids.has(span.parentSpanId));
    expect(orphans).toEqual([]);

    const handled = trace.spans.filter((span) => span.kind === 'CONSUMER');
    const handledWhere = (type: string) =>
      handled.filter((span) => span.attributes['message.type'] === type).map((span) => `${span.service} via ${span.attributes['messaging.system']}`);
    // Commands and replies on RabbitMQ, the order's events on Kafka (and to notification on RabbitMQ): all in the one trace.
    expect(handledWhere('inventory.reserve-stock')).toEqual(['inventory via rabbitmq']);
    expect(handledWhere('payment.charge')).toEqual(['payment via rabbitmq']);
    expect(handledWhere('payment.charged')).toContain('order via rabbitmq');
    expect(handledWhere('order.completed')).toEqual(expect.arrayContaining(['points via kafka', 'notification via rabbitmq']));
    expect(handled.every((span) => span.attributes['order.id'] === placed.body.id)).toBe(true);

    // The relay's publishes are spans of their own, linked to the spans that wrote the rows.
    expect(trace.linkedSpans.length).toBeGreaterThan(0);
    expect(trace.linkedSpans.every((span) => span.kind === 'PRODUCER' && span.traceId !== trace.traceId)).toBe(true);
    expect(new Set(trace.linkedSpans.map((span) => span.attributes['messaging.system']))).toEqual(new Set(['rabbitmq', 'kafka']));
  });

  it('keeps each order in its own trace when many are placed at once and share the API\'s transactions', async () => {
    const sku = unique('mug');
    const customer = unique('customer');
    await putProduct(sku, 1_000, 1_000);
    await putAccount(customer, 10_000_000);
    // More than the API's lanes (API_DB_POOL_SIZE, 8): orders queue and commit together, several to a transaction.
    const placed = await Promise.all(Array.from({ length: 40 }, () => placeOrder(customer, [{ sku, quantity: 1 }])));
    expect(placed.map(({ status }) => status)).toEqual(placed.map(() => 202));
    const ids = placed.map(({ body }) => body.id);
    for (const id of ids) expect((await terminalOrder(id)).status).toBe('COMPLETED');

    for (const id of ids) {
      const trace = await eventually(
        () => traceOf(id),
        (seen) => rootsOf(seen).length > 0 && seen.spans.some((span) => span.service === 'points' && span.kind === 'CONSUMER'),
        { what: `the root span and the points span of order ${id}`, timeoutMs: 20_000, intervalMs: 250 },
      );
      const ordersNamed = new Set(trace.spans.map((span) => span.attributes['order.id']).filter((orderId) => orderId !== undefined));
      expect({ id, ordersNamed: [...ordersNamed] }).toEqual({ id, ordersNamed: [id] });
      expect(rootsOf(trace)).toEqual([expect.objectContaining({ service: 'order', kind: 'SERVER', name: 'POST /orders' })]);
    }
  });

  it('records no new trace while an operator has set the sampling ratio to 0, and every one again once it is 1, without a restart', async () => {
    const services = FIVE_SERVICES.map((service) => urls[service as keyof typeof urls]);
    const setRatio = (sampleRatio: unknown) => Promise.all(services.map((url) => http<{ tracing: string; sampling: unknown }>('PUT', `${url}/admin/tracing`, { sampleRatio })));

    const refused = await setRatio(1.5);
    expect(refused.map(({ status }) => status)).toEqual(services.map(() => 400));
    expect(refused[0].body).toMatchObject({ message: 'invalid request: sampleRatio' });

    const sku = unique('kettle');
    const customer = unique('customer');
    await putProduct(sku, 3_000, 5);
    await putAccount(customer, 100_000);
    let untracedId: string;
    try {
      const off = await setRatio(0);
      expect(off.map(({ body }) => body)).toEqual(services.map(() => ({ tracing: 'on', sampling: { source: 'operator', sampler: 'parentbased_traceidratio', ratio: 0 } })));
      const untraced = await placeOrder(customer, [{ sku, quantity: 1 }]);
      expect((await terminalOrder(untraced.body.id)).status).toBe('COMPLETED');
      untracedId = untraced.body.id;
    } finally {
      await setRatio(1);
    }
    expect((await http('GET', `${urls.order}/admin/tracing`)).body).toEqual({ tracing: 'on', sampling: { source: 'operator', sampler: 'parentbased_traceidratio', ratio: 1 } });

    const traced = await placeOrder(customer, [{ sku, quantity: 1 }]);
    expect((await terminalOrder(traced.body.id)).status).toBe('COMPLETED');
    // Each service exports its spans in the order they ended: once the second order's last spans are
    // in from all five, anything recorded for the first would be in too.
    await eventually(
      () => traceOf(traced.body.id),
      (seen) => FIVE_SERVICES.every((service) => seen.spans.some((span) => span.service === service && span.kind === 'CONSUMER')),
      { what: `consumer spans of order ${traced.body.id} from all five services`, timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(await traceOf(untracedId)).toEqual({ traceId: null, spans: [], linkedSpans: [] });
  });

  it('answers an order no span has named yet with no trace rather than an error', async () => {
    const trace = await traceOf('00000000-0000-4000-8000-000000000000');
    expect(trace).toEqual({ traceId: null, spans: [], linkedSpans: [] });
  });
});
