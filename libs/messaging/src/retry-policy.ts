import { PermanentMessageError } from './errors';
import { isTransientError } from './transient-errors';

type Schedule = (retry: number) => number;

/**
 * How a failing operation is tried again, in one type for every retry of the platform: a
 * consumer's attempts at a message, the outbox relay's attempts at a publish, the reconnects to
 * the brokers. It says three things:
 *   - the pause before each retry (fixed intervals, or doubling between two bounds, with or without
 *     jitter);
 *   - how many attempts there are before giving up (dead letter, FAILED row), or none for ever;
 *   - what counts as transient: a failure that says nothing about the message (a database
 *     restarting, a deadlock, a broker away) is tried again in place, at `transientDelayMs`, without
 *     spending an attempt, so an outage never turns good messages into dead letters.
 *
 *   RetryPolicy.intervals(1_000, 5_000, 30_000)                   four attempts, three pauses
 *   RetryPolicy.exponential({ initialMs: 500, maxMs: 60_000, maxAttempts: 10 })
 *   RetryPolicy.exponential({ initialMs: 250, maxMs: 15_000 }).withJitter()   for ever, spread out
 */
export class RetryPolicy {
  private constructor(
    private readonly schedule: Schedule,
    /** Attempts in all, the first included; Infinity to try for ever. */
    readonly maxAttempts: number,
    private readonly jittered: boolean,
    private readonly transient: (error: unknown) => boolean,
    private readonly transientSchedule: Schedule,
  ) {}

  /** One attempt, then one more after each pause: `intervals(1_000, 5_000)` tries three times. */
  static intervals(...delaysMs: readonly number[]): RetryPolicy {
    if (delaysMs.length === 0 || delaysMs.some((delay) => !Number.isFinite(delay) || delay < 0)) {
      throw new Error(`retry intervals must be one or more non-negative numbers of milliseconds, not [${delaysMs.join(', ')}]`);
    }
    const pauses = [...delaysMs];
    return new RetryPolicy((retry) => pauses[Math.min(retry, pauses.length) - 1], pauses.length + 1, false, isTransientError, TRANSIENT_BACKOFF);
  }

  /** Pauses that start at `initialMs` and double up to `maxMs`; for ever unless `maxAttempts` is given. */
  static exponential({ initialMs, maxMs, maxAttempts = Infinity }: { initialMs: number; maxMs: number; maxAttempts?: number }): RetryPolicy {
    if (!(initialMs > 0 && maxMs >= initialMs && isAttemptCount(maxAttempts))) {
      throw new Error(`an exponential retry needs 0 < initialMs <= maxMs and a whole maxAttempts >= 1 (got ${initialMs}, ${maxMs}, ${maxAttempts})`);
    }
    return new RetryPolicy(doubling(initialMs, maxMs), maxAttempts, false, isTransientError, TRANSIENT_BACKOFF);
  }

  /**
   * Each pause drawn between half and all of its scheduled length, so that many clients cut off
   * together (a broker restart) do not all come back in the same instant.
   */
  withJitter(): RetryPolicy {
    return new RetryPolicy(this.schedule, this.maxAttempts, true, this.transient, this.transientSchedule);
  }

  /** What counts as transient, and the pause before trying such a failure again (doubling from 500 ms to 15 s by default). */
  treatingAsTransient(isTransient: (error: unknown) => boolean, pauses = { initialMs: 500, maxMs: 15_000 }): RetryPolicy {
    return new RetryPolicy(this.schedule, this.maxAttempts, this.jittered, isTransient, doubling(pauses.initialMs, pauses.maxMs));
  }

  /** The same pauses and classification, with another number of attempts. */
  withMaxAttempts(maxAttempts: number): RetryPolicy {
    if (!isAttemptCount(maxAttempts)) throw new Error(`maxAttempts must be a whole number >= 1, or Infinity (got ${maxAttempts})`);
    return new RetryPolicy(this.schedule, maxAttempts, this.jittered, this.transient, this.transientSchedule);
  }

  /** Never for a PermanentMessageError, whatever the classifier says: such a message can never succeed. */
  isTransient(error: unknown): boolean {
    return !(error instanceof PermanentMessageError) && this.transient(error);
  }

  /** Whether another attempt follows the `failedAttempts`-th failure (a non-transient one). */
  retriesAfter(failedAttempts: number): boolean {
    return failedAttempts < this.maxAttempts;
  }

  /** The pause after the `failedAttempts`-th failure, before the next attempt. */
  delayMs(failedAttempts: number): number {
    const scheduled = this.schedule(Math.max(1, failedAttempts));
    return this.jittered ? scheduled / 2 + Math.random() * (scheduled / 2) : scheduled;
  }

  /** The pause after the `attempt`-th transient failure in a row. */
  transientDelayMs(attempt: number): number {
    return this.transientSchedule(Math.max(1, attempt));
  }

  /** The pauses of a bounded policy, in order (what a RabbitMQ consumer's retry queues are made of). */
  get intervalsMs(): number[] {
    if (!Number.isFinite(this.maxAttempts)) throw new Error('a policy that retries for ever has no finite list of intervals');
    return Array.from({ length: this.maxAttempts - 1 }, (_, index) => this.schedule(index + 1));
  }
}

function isAttemptCount(attempts: number): boolean {
  return attempts === Infinity || (Number.isInteger(attempts) && attempts >= 1);
}

function doubling(initialMs: number, maxMs: number): Schedule {
  return (retry) => Math.min(maxMs, initialMs * 2 ** Math.min(retry - 1, 30));
}

const TRANSIENT_BACKOFF = doubling(500, 15_000);
