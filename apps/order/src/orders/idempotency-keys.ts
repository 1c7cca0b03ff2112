import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ExpiredRows, sql, type SqlTransaction } from '@platform/database';
import { PLATFORM_LOGGER } from '@platform/service-kit';
import type { Logger } from 'pino';
import { ORDER_CONFIG, type OrderConfig } from '../order.config';
import { OrderDatabase } from '../order.database';

/** The request a key was first used for, while the key is still remembered. */
export interface KeyUse {
  readonly requestHash: string;
  readonly orderId: string;
}

/** Raised inside the placing transaction when another request holds the key: answer with its order instead. */
export class IdempotencyKeyTaken extends Error {
  override readonly name = 'IdempotencyKeyTaken';
}

/**
 * Idempotency-Key values of POST /orders. A key belongs to its customer (two customers may pick
 * the same one), and is remembered for IDEMPOTENCY_KEY_RETENTION_HOURS: long enough for any retry,
 * after which the key may name a new order and its row is deleted.
 */
@Injectable()
export class IdempotencyKeys implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly retentionSeconds: number;
  private readonly expired: ExpiredRows;

  constructor(
    private readonly db: OrderDatabase,
    @Inject(ORDER_CONFIG) config: OrderConfig,
    @Inject(PLATFORM_LOGGER) logger: Logger,
  ) {
    this.retentionSeconds = config.IDEMPOTENCY_KEY_RETENTION_HOURS * 3_600;
    this.expired = new ExpiredRows(
      (text, values) => this.db.$executeRawUnsafe(text, ...values),
      { table: 'idempotency_key', writtenAt: 'created_at', what: 'idempotency keys' },
      this.retentionSeconds * 1_000,
      logger.child({ component: 'idempotency-key-retention' }),
    );
  }

  onApplicationBootstrap(): void {
    this.expired.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.expired.stop();
  }

  async find(customerId: string, key: string): Promise<KeyUse | null> {
    const [use] = await this.db.$queryRaw<{ request_hash: string; order_id: string }[]>`
      SELECT request_hash, order_id FROM idempotency_key
       WHERE customer_id = ${customerId} AND key = ${key}
         AND created_at >= now() - make_interval(secs => ${this.retentionSeconds})`;
    return use ? { requestHash: use.request_hash, orderId: use.order_id } : null;
  }

  /** Takes the key for a new order in the placing transaction; an expired use of it is replaced. */
  async claim(tx: SqlTransaction, customerId: string, key: string, use: KeyUse): Promise<void> {
    const claimed = await tx.execute(sql`
      INSERT INTO idempotency_key (customer_id, key, request_hash, order_id)
      VALUES (${customerId}, ${key}, ${use.requestHash}, ${use.orderId}::uuid)
      ON CONFLICT (customer_id, key) DO UPDATE
         SET request_hash = excluded.request_hash, order_id = excluded.order_id, created_at = now()
       WHERE idempotency_key.created_at < now() - make_interval(secs => ${this.retentionSeconds})`);
    if (claimed === 0) throw new IdempotencyKeyTaken(`Idempotency-Key ${key} of ${customerId} is taken`);
  }
}
