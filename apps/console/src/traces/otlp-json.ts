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

export class MalformedTraceRequest extends Error {}

/**
 * The spans of a request, or MalformedTraceRequest naming the first field that is not OTLP JSON.
 * Checked field by field as it is read, not by a schema up front: the console reads every span the
 * platform makes, and a schema library's pass over them cost a tenth of its CPU (measured).
 */
export function readOtlpJson(body: unknown): SpanRecord[] {
  const records: SpanRecord[] = [];
  const request = objectAt(body, 'body');
  listAt(request.resourceSpans, 'resourceSpans', true).forEach((entry, r) => {
    const resourceSpans = objectAt(entry, `resourceSpans.${r}`);
    const resource = resourceSpans.resource === undefined ? {} : objectAt(resourceSpans.resource, `resourceSpans.${r}.resource`);
    const service = String(attributesOf(resource.attributes, `resourceSpans.${r}.resource.attributes`)['service.name'] ?? 'unknown');
    listAt(resourceSpans.scopeSpans, `resourceSpans.${r}.scopeSpans`).forEach((scope, s) => {
      listAt(objectAt(scope, `resourceSpans.${r}.scopeSpans.${s}`).spans, `resourceSpans.${r}.scopeSpans.${s}.spans`).forEach((item, i) => {
        const record = spanOf(objectAt(item, `resourceSpans.${r}.scopeSpans.${s}.spans.${i}`), service, `resourceSpans.${r}.scopeSpans.${s}.spans.${i}`);
        if (record) records.push(record);
      });
    });
  });
  return records;
}

function spanOf(span: Record<string, unknown>, service: string, path: string): SpanRecord | null {
  const traceId = idAt(span.traceId, `${path}.traceId`);
  const spanId = idAt(span.spanId, `${path}.spanId`);
  const startNs = nanosAt(span.startTimeUnixNano, `${path}.startTimeUnixNano`);
  const endNs = nanosAt(span.endTimeUnixNano, `${path}.endTimeUnixNano`);
  const status = span.status === undefined ? {} : objectAt(span.status, `${path}.status`);
  const links = listAt(span.links, `${path}.links`).map((link, l) => {
    const read = objectAt(link, `${path}.links.${l}`);
    return { traceId: idAt(read.traceId, `${path}.links.${l}.traceId`), spanId: idAt(read.spanId, `${path}.links.${l}.spanId`) };
  });
  const attributes = attributesOf(span.attributes, `${path}.attributes`);
  if (!traceId || !spanId) return null; // nothing to file it under
  return {
    traceId,
    spanId,
    parentSpanId: idAt(span.parentSpanId, `${path}.parentSpanId`) || null,
    service,
    name: typeof span.name === 'string' ? span.name : '',
    kind: KINDS[typeof span.kind === 'number' ? span.kind : 1] ?? 'INTERNAL',
    startMs: Number(startNs / 1_000n) / 1_000,
    durationMs: Number((endNs > startNs ? endNs - startNs : 0n) / 1_000n) / 1_000,
    failed: status.code === STATUS_ERROR,
    attributes,
    links: links.filter((link): link is { traceId: string; spanId: string } => link.traceId !== '' && link.spanId !== ''),
  };
}

function objectAt(value: unknown, path: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new MalformedTraceRequest(`not an OTLP/HTTP JSON trace request: ${path} must be an object`);
}

function listAt(value: unknown, path: string, required = false): unknown[] {
  if (value === undefined && !required) return [];
  if (Array.isArray(value)) return value;
  throw new MalformedTraceRequest(`not an OTLP/HTTP JSON trace request: ${path} must be an array`);
}

const HEX_ID = /^[0-9a-f]+$/i;

/** An id as hex: the JSON mapping's own, or the protobuf mapping's base64 that some exporters send. '' when absent. */
function idAt(value: unknown, path: string): string {
  if (value === undefined || value === '') return '';
  if (typeof value !== 'string' || value.length > 64) throw new MalformedTraceRequest(`not an OTLP/HTTP JSON trace request: ${path} must be an id (hex or base64)`);
  if ((value.length === 32 || value.length === 16) && HEX_ID.test(value)) return value.toLowerCase();
  return Buffer.from(value, 'base64').toString('hex');
}

function nanosAt(value: unknown, path: string): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return BigInt(Math.round(value));
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return BigInt(value);
  throw new MalformedTraceRequest(`not an OTLP/HTTP JSON trace request: ${path} must be a whole number of nanoseconds`);
}

function attributesOf(attributes: unknown, path: string): Record<string, AttributeValue> {
  const read: Record<string, AttributeValue> = {};
  listAt(attributes, path).forEach((entry, index) => {
    const { key, value } = objectAt(entry, `${path}.${index}`) as Partial<OtlpKeyValue>;
    if (typeof key !== 'string') throw new MalformedTraceRequest(`not an OTLP/HTTP JSON trace request: ${path}.${index}.key must be a string`);
    const scalar = value === undefined ? undefined : scalarOf(objectAt(value, `${path}.${index}.value`) as OtlpAnyValue, `${path}.${index}.value`);
    if (scalar !== undefined) read[key] = scalar;
  });
  return read;
}

function scalarOf(value: OtlpAnyValue, path: string): AttributeValue | undefined {
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.intValue === 'string' || typeof value.intValue === 'number') return Number(value.intValue);
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.arrayValue !== undefined) {
    const values = listAt(objectAt(value.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
    return values.map((item, index) => String(scalarOf(objectAt(item, `${path}.arrayValue.values.${index}`) as OtlpAnyValue, `${path}.arrayValue.values.${index}`) ?? '')).join(',');
  }
  return undefined;
}
