import { dueCount, openLoopSchedule } from '../saga/load';

/**
 * The fixed-rate phase is an open loop: message i is due i / rate seconds after the start, whether
 * or not the earlier ones have been acknowledged, and its latency is counted from that due time.
 * A producer that falls behind sends late, and the lateness is in the latency instead of
 * disappearing from it (no coordinated omission).
 */
export class Timetable {
  private readonly dueMs: readonly number[];

  constructor(ratePerSec: number, seconds: number) {
    this.dueMs = openLoopSchedule(ratePerSec, seconds);
  }

  get size(): number {
    return this.dueMs.length;
  }

  /** When message `index` is due, in ms after the start. */
  dueAtMs(index: number): number {
    return this.dueMs[index];
  }

  /** How many messages are due `elapsedMs` after the start, counting on from those already sent. */
  dueBy(elapsedMs: number, alreadySent: number): number {
    return dueCount(this.dueMs, elapsedMs, alreadySent);
  }

  /** How long until the next unsent message is due (0 if it is due already, Infinity once all are sent). */
  msUntilNext(elapsedMs: number, sent: number): number {
    return sent >= this.dueMs.length ? Number.POSITIVE_INFINITY : Math.max(0, this.dueMs[sent] - elapsedMs);
  }
}

/** The due messages [from, to) cut into sends of at most `batchSize`: [from, to) of each send. */
export function sendsFor(from: number, to: number, batchSize: number): [number, number][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`a batch holds at least one message, not ${batchSize}`);
  const sends: [number, number][] = [];
  for (let start = from; start < to; start += batchSize) sends.push([start, Math.min(to, start + batchSize)]);
  return sends;
}
