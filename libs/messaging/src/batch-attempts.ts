import type { InboundBatchHandler, InboundMessage } from './message';
import type { RetryPolicy } from './retry-policy';

/** What became of a batch tried in one transaction. */
export type TogetherOutcome = 'committed' | 'split' | 'abandoned';

export interface TogetherHooks {
  /** The batch rolled back for a reason other than a transient one: it will be handled a message at a time. */
  onSplit(error: unknown): void;
  /** A transient failure: wait before the next try; false to stop trying (the consumer is going away). */
  waitToRetry(error: unknown, attempt: number): Promise<boolean>;
}

/**
 * The rule both brokers' consumers follow for a batch: one transaction for all of it. A transient
 * failure (a deadlock, a lost connection) tries the whole batch again; any other failure may be
 * one message's fault, so the batch is split and each message is handled alone.
 */
export async function handleTogether(
  handle: InboundBatchHandler,
  messages: readonly InboundMessage[],
  retry: RetryPolicy,
  hooks: TogetherHooks,
): Promise<TogetherOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await handle(messages);
      return 'committed';
    } catch (error) {
      if (!retry.isTransient(error)) {
        hooks.onSplit(error);
        return 'split';
      }
      if (!(await hooks.waitToRetry(error, attempt))) return 'abandoned';
    }
  }
}
