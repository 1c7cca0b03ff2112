import type { InboxTransaction } from '@platform/idempotency';
import type { OutboxTransaction } from '@platform/outbox';

/**
 * What the platform needs of a service's Prisma client: interactive transactions whose client
 * can write outbox and inbox rows (and empty the inbox for a replay), and a raw query for health
 * checks and gauges.
 */
export type ServiceTransaction = OutboxTransaction &
  InboxTransaction & { $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number> };

export interface ServiceDatabase<Tx extends ServiceTransaction = ServiceTransaction> {
  $transaction<T>(work: (tx: Tx) => Promise<T>, options?: { timeout?: number; maxWait?: number }): Promise<T>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $disconnect(): Promise<void>;
}
