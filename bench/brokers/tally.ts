import { percentiles } from '../saga/percentiles';
import type { Stamp } from './payload';

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Nearest-rank p50 and p99 (values that were measured) and the maximum; NaN for each when nothing was measured. */
export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary {
  const { p50, p99, p100 } = percentiles(latenciesMs, [50, 99, 100]);
  return { count: latenciesMs.length, p50Ms: p50, p99Ms: p99, maxMs: p100 };
}

export interface DeliverySummary {
  /** Deliveries, a redelivered message counted each time. */
  readonly deliveries: number;
  /** Different messages delivered. */
  readonly distinct: number;
  readonly duplicates: number;
  /** Different messages delivered before the end of the measured window: the consumed throughput. */
  readonly distinctInWindow: number;
  /** From each message's due time (at saturation: its send time) to its first delivery. */
  readonly latency: LatencySummary;
  /** From when each message was handed to the client library to its first delivery: the clients' and the broker's share. */
  readonly transit: LatencySummary;
}

/**
 * What a consumer saw: every delivery, by sequence number. A message's latency counts once, at its
 * first delivery; a second delivery of it is a duplicate (at-least-once allows them, and they are
 * reported rather than hidden).
 */
export class DeliveryTally {
  private seen = new Uint8Array(1 << 16);
  private readonly latenciesMs: number[] = [];
  private readonly transitsMs: number[] = [];
  private deliveries = 0;
  private duplicates = 0;
  private inWindow = 0;

  constructor(private readonly windowEndMs: number) {}

  get distinct(): number {
    return this.latenciesMs.length;
  }

  record({ sequence, dueAtMs, sentAtMs }: Stamp, receivedAtMs: number): void {
    this.deliveries += 1;
    if (this.hasSeen(sequence)) {
      this.duplicates += 1;
      return;
    }
    this.markSeen(sequence);
    this.latenciesMs.push(receivedAtMs - dueAtMs);
    this.transitsMs.push(receivedAtMs - sentAtMs);
    if (receivedAtMs <= this.windowEndMs) this.inWindow += 1;
  }

  summary(): DeliverySummary {
    return {
      deliveries: this.deliveries,
      distinct: this.distinct,
      duplicates: this.duplicates,
      distinctInWindow: this.inWindow,
      latency: summarizeLatencies(this.latenciesMs),
      transit: summarizeLatencies(this.transitsMs),
    };
  }

  private hasSeen(sequence: number): boolean {
    return sequence < this.seen.length && this.seen[sequence] === 1;
  }

  private markSeen(sequence: number): void {
    if (sequence >= this.seen.length) {
      let size = this.seen.length;
      while (size <= sequence) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.seen);
      this.seen = grown;
    }
    this.seen[sequence] = 1;
  }
}
