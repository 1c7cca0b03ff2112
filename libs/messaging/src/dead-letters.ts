import { describeError, PermanentMessageError } from './errors';

/**
 * One dead-letter vocabulary for both brokers: the headers a consumer adds when it gives up on a
 * message, the letter an operator sees, and what listing and re-driving look like. Only where a
 * letter lies differs: a queue's `<queue>.dlq`, or a topic's `<topic>.dlt` at a partition and offset.
 */
export const DeadLetterHeaders = {
  /** Why the consumer gave up: a permanent failure's own words (`the body is not JSON`), any other error with its name. */
  reason: 'x-dead-letter-reason',
  /** How many times it was tried, the first try included. */
  attempts: 'x-dead-letter-attempts',
  /** Who gave up on it: the consuming service on RabbitMQ, the consumer group on Kafka. */
  consumer: 'x-dead-letter-consumer',
  /** The queue or topic it failed on, where a redrive sends it back. */
  source: 'x-dead-letter-source',
  /** Kafka only: the partition and offset of the topic it failed at. */
  sourcePartition: 'x-dead-letter-source-partition',
  sourceOffset: 'x-dead-letter-source-offset',
  deadLetteredAt: 'x-dead-lettered-at',
} as const;

/**
 * The names letters carried before the two brokers shared one vocabulary: RabbitMQ's
 * `x-attempts` and `x-original-queue`, Kafka's `dlt-*`. Read where the new name is missing, and
 * removed on redrive, so letters dead-lettered by an earlier version are listed and re-driven too.
 */
const EARLIER_NAMES: Readonly<Record<keyof typeof DeadLetterHeaders, readonly string[]>> = {
  reason: ['dlt-error'],
  attempts: ['x-attempts', 'dlt-attempts'],
  consumer: ['dlt-consumer-group'],
  source: ['x-original-queue', 'dlt-original-topic'],
  sourcePartition: ['dlt-original-partition'],
  sourceOffset: ['dlt-original-offset'],
  deadLetteredAt: ['dlt-failed-at'],
};

/** A dead-letter header's value, under its name or an earlier one; undefined when the letter has neither. */
export function deadLetterHeader(read: (name: string) => string | undefined, header: keyof typeof DeadLetterHeaders): string | undefined {
  for (const name of [DeadLetterHeaders[header], ...EARLIER_NAMES[header]]) {
    const value = read(name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Every header a consumer adds when it dead-letters, under today's names and earlier ones: a re-driven copy drops them all. */
export const ALL_DEAD_LETTER_HEADER_NAMES: ReadonlySet<string> = new Set([...Object.values(DeadLetterHeaders), ...Object.values(EARLIER_NAMES).flat()]);

/** Where a letter failed, and where it lies now. */
export type DeadLetterPlace = { readonly queue: string } | { readonly topic: string; readonly partition: number | null; readonly offset: string | null };

/** A dead letter as an operator sees it, on either broker. */
export interface DeadLetter {
  readonly messageId: string | null;
  readonly type: string | null;
  readonly correlationId: string | null;
  /** The consumer's reason, or the broker's (e.g. `delivery_limit`); `unknown` when neither says. */
  readonly reason: string;
  readonly attempts: number | null;
  readonly deadLetteredAt: string | null;
  readonly consumer: string | null;
  /** The queue, or the topic's partition and offset, it failed on. */
  readonly failedOn: DeadLetterPlace;
  /** The dead-letter queue, or the dead-letter topic's partition and offset, it lies in. */
  readonly heldIn: DeadLetterPlace;
  /** Whether a redrive sent it back already: a re-driven letter leaves a queue but stays in a topic's log. */
  readonly redriven: boolean;
  /** The body as JSON, or as the raw text when it is not JSON (often the reason it is here). */
  readonly payload: unknown;
}

export interface DeadLetterListing {
  /** At most this many, the newest. */
  readonly limit: number;
  /** Re-driven letters too, where the broker keeps them (a topic's log does; a queue does not). */
  readonly includeRedriven?: boolean;
}

export interface RedriveResult {
  readonly redriven: number;
  /** Letters are left that this call did not reach: call again. */
  readonly more: boolean;
}

/**
 * The dead letters of the queues or topics one service consumes. `source` is the queue or topic
 * the letters failed on, never the dead-letter queue or topic itself.
 */
export interface DeadLetterStore {
  list(source: string, listing: DeadLetterListing): Promise<DeadLetter[]>;
  /**
   * Sends up to `limit` letters present when the call begins back to `source`, unchanged but for
   * their failure headers, where they are processed like any message (and ignored by the inbox if
   * they had been processed after all).
   */
  redrive(source: string, limit: number): Promise<RedriveResult>;
  /** How many letters of `source` wait for a redrive, read from the broker's counts: cheap enough for a gauge. */
  waiting(source: string): Promise<number>;
}

/** A header's value as a number, or null when it is missing or not a number. */
export function numberOrNull(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const number = Number(value);
  return Number.isNaN(number) ? null : number;
}

/** The reason a dead letter gives: a permanent failure's own words, any other error with its name. */
export function deadLetterReason(error: unknown): string {
  return error instanceof PermanentMessageError ? error.message : describeError(error);
}
