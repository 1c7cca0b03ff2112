import { type ExpiringRows, sql, type SqlTransaction } from '@platform/database';
import type { InboundMessage } from '@platform/messaging';
import type { RedisSeenCache } from './redis-seen-cache';

export type TransactionRunner = <T>(work: (tx: SqlTransaction) => Promise<T>) => Promise<T>;

export type HandleOutcome = 'processed' | 'duplicate';

export interface InboxMetrics {
  handled(consumer: string, outcome: HandleOutcome | 'duplicate-cached', count?: number): void;
}

/**
 * A message and the work it asks for, to be done once. The work also learns which messages are
 * applied in the same transaction, so it can read or lock what they all need in one statement.
 */
export interface InboxEntry {
  readonly message: InboundMessage;
  readonly apply: (tx: SqlTransaction, together: readonly InboundMessage[]) => Promise<void>;
}

/**
 * Runs a consumer's work at most once per message id, whatever the broker redelivers, for a
 * whole batch of messages in one transaction.
 *
 * The guard is the inbox row: inserted first, in the same transaction as the work, with the
 * (message id, consumer) primary key. One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING
 * tells which messages of the batch are new; only their work runs. A redelivery finds its row and
 * does nothing; two copies handled at once by two processes serialize on the key, and the second
 * sees the first's commit. Because the rows and the effects commit together, there is no window in
 * which one exists without the other. Redis answers "already seen" for most redeliveries without
 * opening a transaction, and is never the only guard.
 */
export class IdempotentConsumer {
  constructor(
    private readonly transaction: TransactionRunner,
    private readonly seen: RedisSeenCache | null,
    private readonly metrics?: InboxMetrics,
  ) {}

  async handleOnce(
    message: InboundMessage,
    consumer: string,
    apply: InboxEntry['apply'],
  ): Promise<HandleOutcome> {
    const [outcome] = await this.handleBatch(consumer, [{ message, apply }]);
    return outcome;
  }

  /** Handles the entries in order, in one transaction; returns each one's outcome, in the same order. */
  async handleBatch(consumer: string, entries: readonly InboxEntry[]): Promise<HandleOutcome[]> {
    const outcomes: HandleOutcome[] = entries.map(() => 'duplicate');
    const cached = (await this.seen?.seenAmong(consumer, entries.map(({ message }) => message.messageId))) ?? new Set();
    // A message delivered twice within one batch is handled at its first position only.
    const candidates = new Map<string, number>();
    entries.forEach(({ message }, index) => {
      if (!cached.has(message.messageId) && !candidates.has(message.messageId)) candidates.set(message.messageId, index);
    });
    if (cached.size > 0) this.metrics?.handled(consumer, 'duplicate-cached', cached.size);
    if (candidates.size === 0) return outcomes;

    const processed = await this.transaction(async (tx) => {
      const ids = [...candidates.keys()];
      const inserted = await tx.query<{ message_id: string }>(sql`
        INSERT INTO inbox_message (message_id, consumer, message_type)
        SELECT message_id, ${consumer}, message_type FROM unnest(${ids}::text[], ${ids.map((id) => entries[candidates.get(id)!].message.type)}::text[]) AS m(message_id, message_type)
        ON CONFLICT DO NOTHING
        RETURNING message_id`);
      const fresh = new Set(inserted.map((row) => row.message_id));
      const applied = [...candidates].filter(([id]) => fresh.has(id)).map(([, index]) => index);
      const together = applied.map((index) => entries[index].message);
      for (const index of applied) await entries[index].apply(tx, together);
      return applied;
    });
    for (const index of processed) outcomes[index] = 'processed';

    await this.seen?.markSeen(consumer, [...candidates.keys()]);
    this.metrics?.handled(consumer, 'processed', processed.length);
    const duplicates = candidates.size - processed.length;
    if (duplicates > 0) this.metrics?.handled(consumer, 'duplicate', duplicates);
    return outcomes;
  }
}

/**
 * The inbox would grow by a row per message for ever. A row is needed only while a copy of its
 * message may still arrive: redeliveries come within minutes, a re-drive from a dead-letter queue
 * brings a message that was never handled (so has no row), and a Kafka replay empties the inbox
 * itself. Rows older than INBOX_RETENTION_HOURS are deleted (see ExpiredRows).
 */
export const INBOX_ROWS: ExpiringRows = { table: 'inbox_message', writtenAt: 'processed_at', what: 'inbox rows' };
