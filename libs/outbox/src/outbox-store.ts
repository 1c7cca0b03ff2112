import { PLAN_EVERY_EXECUTION } from '@platform/database';
import { type Broker, describeError } from '@platform/messaging';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { OutboxHeaders } from './outbox-writer';

/** An outbox row as the relay reads it. */
export interface OutboxRecord {
  id: string;
  aggregate_id: string;
  message_type: string;
  message_version: number;
  broker: Broker;
  destination: string;
  routing_key: string;
  payload: unknown;
  headers: OutboxHeaders;
  attempts: number;
  created_at: Date;
}

/** The columns of an OutboxRecord, for queries that read rows to publish. */
export const OUTBOX_RECORD_COLUMNS = `m.id, m.aggregate_id, m.message_type, m.message_version, m.broker, m.destination,
         m.routing_key, m.payload, m.headers, m.attempts, m.created_at`;

/**
 * Claims the oldest publishable rows and marks them SENT, in one statement; the relay then
 * publishes them and commits. Until that commit every other transaction still sees them PENDING
 * (and locked), and the marks of a relay that dies before it are rolled back: so no one ever
 * sees "SENT" on a row the broker has not acknowledged. Marking at the claim touches each row once, where a
 * `SELECT … FOR UPDATE` followed by an UPDATE wrote it twice and took a round trip more.
 *
 * SKIP LOCKED lets several relays of one service share the table without waiting on (or
 * publishing) each other's rows. Only the oldest unsent row of an aggregate for a destination is
 * claimable, so one order's messages to one exchange or topic are published strictly in
 * `sequence` order: never two at once, whatever fails, whichever relay runs. That is commit order
 * wherever one aggregate's writes are serialized, as the order service's are by its saga row lock.
 * (Different orders, and destinations, go in parallel.)
 *
 * `has_successor` says a later row of the same aggregate and destination waits behind this one:
 * once this batch commits, it becomes claimable, so the worker looks again at once instead of
 * sleeping. (Rows committed after this claim send their own NOTIFY.)
 *
 * RETURNING comes in primary-key order, so the claimed rows are sorted back into commit order.
 *
 * Two shapes here are for the planner. `= ANY(ARRAY(…))` runs the claim once and updates its rows
 * through the primary key; `IN (…)` let it hash-join against a scan of the whole table. And
 * `status <> 'SENT'` keeps the successor check off the partial index of pending rows, which it
 * otherwise walks from this row's sequence onwards: with 20,000 rows pending, 7 ms per claimed row
 * and 1.5 s per claim, where the aggregate's own index answers in microseconds.
 */
const CLAIM_BATCH = `
  WITH claimed AS (
    UPDATE outbox_message m
       SET status = 'SENT', sent_at = now(), last_error = NULL
     WHERE m.id = ANY(ARRAY(
             SELECT c.id
               FROM outbox_message c
              WHERE c.status = 'PENDING'
                AND c.next_attempt_at <= now()
                AND ($2::text IS NULL OR c.broker = $2)
                AND c.broker <> ALL($3::text[])
                AND NOT EXISTS (
                      SELECT 1 FROM outbox_message earlier
                       WHERE earlier.aggregate_id = c.aggregate_id
                         AND earlier.destination = c.destination
                         AND earlier.sequence < c.sequence
                         AND earlier.status <> 'SENT')
              ORDER BY c.sequence
              LIMIT $1
                FOR UPDATE SKIP LOCKED))
    RETURNING ${OUTBOX_RECORD_COLUMNS}, m.sequence,
           EXISTS (SELECT 1 FROM outbox_message later
                    WHERE later.aggregate_id = m.aggregate_id
                      AND later.destination = m.destination
                      AND later.sequence > m.sequence
                      AND later.status <> 'SENT') AS has_successor)
  SELECT * FROM claimed ORDER BY sequence`;

/** A failure of the broker itself (`counts` false) does not use up one of the message's attempts. */
const RECORD_FAILURES = `
  UPDATE outbox_message m
     SET attempts = m.attempts + f.counts::int,
         last_error = f.error,
         status = CASE WHEN f.counts AND m.attempts + 1 >= $5 THEN 'FAILED'::outbox_status ELSE 'PENDING'::outbox_status END,
         next_attempt_at = now() + make_interval(secs => f.delay_seconds),
         sent_at = NULL
    FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::boolean[]) AS f(id, error, delay_seconds, counts)
   WHERE m.id = f.id
  RETURNING m.status`;

/** Milliseconds until the soonest row in backoff may be claimed again; null when none waits. */
const NEXT_RETRY = `
  SELECT ceil(extract(epoch FROM min(next_attempt_at) - now()) * 1000)::float8 AS due_in_ms
    FROM outbox_message
   WHERE status = 'PENDING' AND next_attempt_at > now()`;

/** Which rows a claim may take: of one broker (null: any), and of none of the excluded ones. */
export interface Claim {
  readonly batchSize: number;
  readonly broker: Broker | null;
  readonly excludedBrokers: readonly string[];
}

/** A claimed row the broker did not acknowledge, and when to try it again. */
export interface RowFailure {
  readonly row: OutboxRecord;
  readonly error: string;
  /** The broker itself was unreachable: the try does not count against the row's attempts. */
  readonly brokerUnavailable: boolean;
  readonly retryInMs: number;
}

export interface RelayedBatch {
  readonly claimed: number;
  /** A later row of the same aggregate and destination waits behind one of these: claimable now. */
  readonly successorsWaiting: boolean;
  readonly failures: readonly RowFailure[];
  /** Rows that used up their attempts and were parked as FAILED. */
  readonly parked: number;
}

/** The outbox table as the relay uses it: every statement the relay runs is here. */
export class OutboxStore {
  constructor(
    private readonly pool: Pool,
    /** A row's attempts before it is parked as FAILED. */
    private readonly maxAttempts: number,
    private readonly logger: Logger,
  ) {}

  /**
   * One relay transaction: claim a batch (marked SENT), hand it to `publish`, which answers with
   * the rows the broker did not acknowledge; set those back for a retry (or park them), commit.
   * A crash before the commit rolls the marks back, so the batch is published again later with
   * the same message ids, which the consumers' inboxes ignore: at-least-once, never lost.
   */
  async relay(claim: Claim, publish: (rows: OutboxRecord[]) => Promise<RowFailure[]>): Promise<RelayedBatch> {
    const client = await this.pool.connect();
    // A pooled client that is checked out has no error listener; without one, a connection the
    // server drops while we wait for confirms would crash the process.
    let lost: unknown;
    const onError = (error: unknown) => (lost = error);
    client.on('error', onError);
    try {
      // Losing a SENT mark to a database crash only means publishing those rows again, which the
      // consumers' inboxes absorb; so the relay's commits need not wait for the WAL flush.
      // The claim must walk the pending-rows index in order (an index scan), not collect it into a
      // bitmap: only an index scan marks the entries of rows already SENT as dead, so the next
      // claim skips them. Where vacuum lags (or, as on some machines, is off), a bitmap scan
      // visited every row ever marked SENT: 45 ms per claim after 27,000 orders, against 0.3 ms.
      // And a plan made while the table was small must not outlive it (see PLAN_EVERY_EXECUTION).
      await client.query(`BEGIN; SET LOCAL synchronous_commit TO OFF; SET LOCAL enable_bitmapscan TO off; ${PLAN_EVERY_EXECUTION}`);
      const { rows } = await client.query<OutboxRecord & { has_successor: boolean }>({
        // Named, so each connection parses the claim once; it is planned at each execution, as above.
        name: 'outbox_claim_and_mark_sent',
        text: CLAIM_BATCH,
        values: [claim.batchSize, claim.broker, claim.excludedBrokers],
      });
      const failures = rows.length > 0 ? await publish(rows) : [];
      const parked = failures.length > 0 ? await this.recordFailures(client, failures) : 0;
      await client.query('COMMIT');
      return { claimed: rows.length, successorsWaiting: rows.some((row) => row.has_successor), failures, parked };
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) =>
        this.logger.warn({ err: describeError(rollbackError) }, 'outbox rollback failed'),
      );
      throw error;
    } finally {
      client.off('error', onError);
      client.release(lost instanceof Error ? lost : undefined);
    }
  }

  /** Milliseconds until the soonest row in backoff may be claimed again; null when none waits. */
  async nextRetryInMs(): Promise<number | null> {
    const { rows } = await this.pool.query<{ due_in_ms: number | null }>(NEXT_RETRY);
    return rows[0]?.due_in_ms ?? null;
  }

  /** Sets the rows back to PENDING until their retry is due, or parks them; returns how many were parked. */
  private async recordFailures(client: PoolClient, failures: readonly RowFailure[]): Promise<number> {
    const { rows } = await client.query<{ status: string }>(RECORD_FAILURES, [
      failures.map(({ row }) => row.id),
      failures.map(({ error }) => error),
      failures.map(({ retryInMs }) => retryInMs / 1000),
      failures.map(({ brokerUnavailable }) => !brokerUnavailable),
      this.maxAttempts,
    ]);
    return rows.filter((row) => row.status === 'FAILED').length;
  }
}
