import { RetryPolicy } from '@platform/messaging';
import type { OutboxRelayOptions } from '@platform/outbox';

/** A relay for the lab's tests: small batches, one worker, a fallback poll too slow to hide a missed NOTIFY. */
export const LAB_RELAY_OPTIONS: OutboxRelayOptions = {
  batchSize: 100,
  pollIntervalMs: 60_000,
  concurrency: 1,
  retry: RetryPolicy.exponential({ initialMs: 100, maxMs: 1_000, maxAttempts: 5 }),
  retentionMs: 60_000,
};
