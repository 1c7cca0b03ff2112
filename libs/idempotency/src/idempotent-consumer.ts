import type { InboundMessage } from '@platform/messaging';
import type { RedisSeenCache } from './redis-seen-cache';

/** The part of a Prisma transaction client the inbox needs. */
export interface InboxTransaction {
  inboxMessage: {
    createMany(args: {
      data: { messageId: string; consumer: string; messageType: string }[];
      skipDuplicates: boolean;
    }): PromiseLike<{ count: number }>;
  };
}

export type TransactionRunner<Tx> = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

export type HandleOutcome = 'processed' | 'duplicate';

export interface InboxMetrics {
  handled(consumer: string, outcome: HandleOutcome | 'duplicate-cached'): void;
}

/**
 * Runs a consumer's work at most once per message id, whatever the broker redelivers.
 *
 * The guard is the inbox row: inserted first in the same transaction as the work, with the
 * (message id, consumer) primary key. A redelivery finds the row and does nothing; two copies
 * handled at once serialize on the key, and the second sees the first's commit. Because the row
 * and the effects commit together, there is no window in which one exists without the other.
 */
export class IdempotentConsumer<Tx extends InboxTransaction> {
  constructor(
    private readonly transaction: TransactionRunner<Tx>,
    private readonly seen: RedisSeenCache | null,
    private readonly metrics?: InboxMetrics,
  ) {}

  async handleOnce(
    message: InboundMessage,
    consumer: string,
    work: (tx: Tx) => Promise<void>,
  ): Promise<HandleOutcome> {
    if (await this.seen?.hasSeen(consumer, message.messageId)) {
      this.metrics?.handled(consumer, 'duplicate-cached');
      return 'duplicate';
    }
    const outcome = await this.transaction(async (tx): Promise<HandleOutcome> => {
      const { count } = await tx.inboxMessage.createMany({
        data: [{ messageId: message.messageId, consumer, messageType: message.type }],
        skipDuplicates: true,
      });
      if (count === 0) return 'duplicate';
      await work(tx);
      return 'processed';
    });
    await this.seen?.markSeen(consumer, message.messageId);
    this.metrics?.handled(consumer, outcome);
    return outcome;
  }
}
