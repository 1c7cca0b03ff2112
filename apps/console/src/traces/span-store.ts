import type { SpanRecord } from './otlp-json';

interface StoredTrace {
  spans: SpanRecord[];
  orderIds: Set<string>;
  /** The traces this one's spans link to, so eviction can take the links back. */
  linksTo: Set<string>;
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
        stored = { spans: [], orderIds: new Set(), linksTo: new Set() };
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
        stored.linksTo.add(link.traceId);
      }
    }
    this.evictOldest();
  }

  orderTrace(orderId: string): OrderTrace | null {
    const traceId = this.traceOfOrder.get(orderId);
    const stored = traceId && this.traces.get(traceId);
    if (!traceId || !stored) return null;
    const spans = [...stored.spans].sort((a, b) => a.startMs - b.startMs);
    const linkedSpans = [...(this.linksInto.get(traceId) ?? [])];
    return { traceId, spans, linkedSpans: linkedSpans.sort((a, b) => a.startMs - b.startMs) };
  }

  /**
   * Drops whole traces, oldest first, and every index entry that points into them: the links they
   * made (a relay span links into many orders' traces, sampled or not) and those made to them.
   */
  private evictOldest(): void {
    for (const [traceId, stored] of this.traces) {
      if (this.spanCount <= this.maxSpans) return;
      this.traces.delete(traceId);
      this.linksInto.delete(traceId);
      this.spanCount -= stored.spans.length;
      for (const orderId of stored.orderIds) this.traceOfOrder.delete(orderId);
      for (const target of stored.linksTo) {
        const remaining = (this.linksInto.get(target) ?? []).filter((span) => span.traceId !== traceId);
        if (remaining.length > 0) this.linksInto.set(target, remaining);
        else this.linksInto.delete(target);
      }
    }
  }

  /** How many traces some stored span links to: bounded by what is stored, evicted with it. */
  get linkTargets(): number {
    return this.linksInto.size;
  }
}
