import type { Pool } from 'pg';
import { OUTBOX_CHANNEL } from './outbox-writer';

export interface FailedOutboxMessage {
  id: string;
  /** Its place in the outbox: pass the last one seen as `after` for the next page. */
  sequence: string;
  aggregateId: string;
  messageType: string;
  destination: string;
  routingKey: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

/**
 * What an operator can do with messages the relay gave up on: see them, and send them again
 * once the cause is fixed. Parked rows are never deleted by the platform.
 */
export class OutboxAdmin {
  constructor(private readonly pool: Pool) {}

  /** One page of parked rows, oldest first: `limit` of them after the `after` sequence. */
  async failed(limit = 100, after = '0'): Promise<FailedOutboxMessage[]> {
    const { rows } = await this.pool.query<FailedOutboxMessage>(
      `SELECT id, sequence::text AS sequence, aggregate_id AS "aggregateId", message_type AS "messageType", destination,
              routing_key AS "routingKey", attempts, last_error AS "lastError", created_at AS "createdAt"
         FROM outbox_message WHERE status = 'FAILED' AND sequence > $2::bigint ORDER BY sequence LIMIT $1`,
      [limit, after],
    );
    return rows;
  }

  /** Puts parked rows (all, or the given ids) back in line with fresh attempts; returns how many. */
  async retry(ids?: readonly string[]): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE outbox_message SET status = 'PENDING', attempts = 0, next_attempt_at = now()
        WHERE status = 'FAILED' AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))`,
      [ids ?? null],
    );
    if (rowCount) await this.pool.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
    return rowCount ?? 0;
  }
}
