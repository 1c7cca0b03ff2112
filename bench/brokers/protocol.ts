import type { DeliverySummary, LatencySummary } from './tally';

/*
 * What the benchmark and its producer and consumer processes say to each other over the fork's IPC
 * channel. Each phase has its own two processes, started for it and ended after it.
 */

/** What a worker process is; its command line is `node worker.js <role> <configuration name> <destination>`. */
export type Role = 'producer' | 'consumer';

export interface StartCommand {
  readonly type: 'start';
  /** Wall-clock ms (performance.timeOrigin + performance.now()) at which the producer starts sending. */
  readonly startAtMs: number;
  readonly seconds: number;
  /** Messages per second on a fixed timetable, or null: as fast as the configuration allows. */
  readonly ratePerSec: number | null;
}

/** To the consumer once the producer has finished: wait for this many messages, at most drainSeconds. */
export interface ExpectCommand {
  readonly type: 'expect';
  readonly total: number;
  readonly drainSeconds: number;
}

export type ToWorker = StartCommand | ExpectCommand | { readonly type: 'report' } | { readonly type: 'stop' };

export interface ProducerDone {
  readonly type: 'sent';
  /** Messages the broker acknowledged (without publisher confirms: handed to the socket). */
  readonly published: number;
  readonly failed: number;
  readonly firstError: string | null;
  /** At a fixed rate: how long after its due time each message went out (the producer's own share of the latency). */
  readonly sendLagMs: LatencySummary | null;
}

export interface ConsumerDrained {
  readonly type: 'drained';
  readonly distinct: number;
  readonly timedOut: boolean;
}

export type FromWorker =
  | { readonly type: 'ready' }
  | ProducerDone
  | ConsumerDrained
  | { readonly type: 'report'; readonly summary: DeliverySummary }
  | { readonly type: 'failed'; readonly error: string };
