import type { SpanRecord } from './otlp-json';

interface StoredTrace {
  spans: SpanRecord[];
  orderIds: Set<string>;
}

export interface OrderTrace {
  traceId: string;
  spans: SpanRecord[];
  /** Spans of other traces that link into this one: the outbox relay's publishes of its messages. */
  linkedSpans: SpanRecord[];
}

/**
 * The spans the services export, kept in memory by trace, newest traces kept, oldest dropped
 * past `maxSpans`. An order is found by the `order.id` attribute its spans carry; the relay's
 * publish spans live in traces of their own and are found through their links.
 */
export class SpanStore {
  private readonly traces = new Map<string, StoredTrace>();
  private readonly traceOfOrder = new Map<string, string>();
  /** Target trace id -> the spans (of other traces) that link to it. */
  private readonly linksInto = new Map<string, SpanRecord[]>();
  private spanCount = 0;

  constructor(private readonly maxSpans = 200_000) {}

  get size(): { traces: number; spans: number } {
    return { traces: this.traces.size, spans: this.spanCount };
  }

  add(spans: readonly SpanRecord[]): void {
    for (const span of spans) {
      let stored = this.traces.get(span.traceId);
      if (!stored) {
        stored = { spans: [], orderIds: new Set() };
        this.traces.set(span.traceId, stored);
      }
      stored.spans.push(span);
      this.spanCount += 1;
      const orderId = span.attributes['order.id'];
      // A relay span links many orders; it is found through its links, not as their trace.
      if (typeof orderId === 'string' && span.links.length === 0 && !this.traceOfOrder.has(orderId)) {
        this.traceOfOrder.set(orderId, span.traceId);
        stored.orderIds.add(orderId);
      }
      for (const link of span.links) {
        if (link.traceId === span.traceId) continue;
        const linking = this.linksInto.get(link.traceId) ?? [];
        if (!linking.includes(span)) linking.push(span);
        this.linksInto.set(link.traceId, linking);
      }
    }
    this.evictOldest();
  }

  orderTrace(orderId: string): OrderTrace | null {
    const traceId = this.traceOfOrder.get(orderId);
    const stored = traceId && this.traces.get(traceId);
    if (!traceId || !stored) return null;
    const spans = [...stored.spans].sort((a, b) => a.startMs - b.startMs);
    const linkedSpans = (this.linksInto.get(traceId) ?? []).filter((span) => this.traces.has(span.traceId));
    return { traceId, spans, linkedSpans: linkedSpans.sort((a, b) => a.startMs - b.startMs) };
  }

  private evictOldest(): void {
    for (const [traceId, stored] of this.traces) {
      if (this.spanCount <= this.maxSpans) return;
      this.traces.delete(traceId);
      this.linksInto.delete(traceId);
      this.spanCount -= stored.spans.length;
      for (const orderId of stored.orderIds) this.traceOfOrder.delete(orderId);
    }
  }
}
