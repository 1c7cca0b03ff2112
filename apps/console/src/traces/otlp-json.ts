/**
 * Reads the OTLP/HTTP JSON encoding of traces (what `@opentelemetry/exporter-trace-otlp-http`
 * sends) into flat span records. Ids arrive as hex (the JSON mapping) or base64 (the protobuf
 * mapping some exporters use in JSON too); both are read as hex.
 */

export type SpanKindName = 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type AttributeValue = string | number | boolean;

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: SpanKindName;
  /** Milliseconds since the epoch, with the nanoseconds as a fraction. */
  startMs: number;
  durationMs: number;
  failed: boolean;
  attributes: Record<string, AttributeValue>;
  links: { traceId: string; spanId: string }[];
}

const KINDS: Record<number, SpanKindName> = { 1: 'INTERNAL', 2: 'SERVER', 3: 'CLIENT', 4: 'PRODUCER', 5: 'CONSUMER' };
const STATUS_ERROR = 2;

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpKeyValue[];
  links?: { traceId?: string; spanId?: string }[];
  status?: { code?: number };
}
export interface OtlpTraceRequest {
  resourceSpans?: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

export class MalformedTraceRequest extends Error {}

export function readOtlpJson(body: unknown): SpanRecord[] {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as OtlpTraceRequest).resourceSpans)) {
    throw new MalformedTraceRequest('an OTLP trace request has a resourceSpans array');
  }
  const records: SpanRecord[] = [];
  for (const resourceSpans of (body as OtlpTraceRequest).resourceSpans ?? []) {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? 'unknown');
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        if (!span.traceId || !span.spanId) continue;
        const startNs = nanos(span.startTimeUnixNano);
        const endNs = nanos(span.endTimeUnixNano);
        records.push({
          traceId: hexId(span.traceId),
          spanId: hexId(span.spanId),
          parentSpanId: span.parentSpanId ? hexId(span.parentSpanId) : null,
          service,
          name: span.name ?? '',
          kind: KINDS[span.kind ?? 1] ?? 'INTERNAL',
          startMs: Number(startNs / 1_000n) / 1_000,
          durationMs: Number((endNs > startNs ? endNs - startNs : 0n) / 1_000n) / 1_000,
          failed: span.status?.code === STATUS_ERROR,
          attributes: attributesOf(span.attributes),
          links: (span.links ?? [])
            .filter((link) => link.traceId && link.spanId)
            .map((link) => ({ traceId: hexId(link.traceId as string), spanId: hexId(link.spanId as string) })),
        });
      }
    }
  }
  return records;
}

function attributesOf(attributes: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const read: Record<string, AttributeValue> = {};
  for (const { key, value } of attributes ?? []) {
    const scalar = value && scalarOf(value);
    if (scalar !== undefined) read[key] = scalar;
  }
  return read;
}

function scalarOf(value: OtlpAnyValue): AttributeValue | undefined {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map((item) => String(scalarOf(item) ?? '')).join(',');
  return undefined;
}

function nanos(value: string | number | undefined): bigint {
  if (value === undefined) return 0n;
  try {
    return BigInt(typeof value === 'number' ? Math.round(value) : value);
  } catch {
    throw new MalformedTraceRequest(`a span time must be a whole number of nanoseconds, got ${JSON.stringify(value)}`);
  }
}

const HEX_ID = /^[0-9a-f]+$/i;

function hexId(id: string): string {
  if ((id.length === 32 || id.length === 16) && HEX_ID.test(id)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}
