import { Client } from 'pg';
import { adminDatabaseUrl } from '../../tools/stack/stack.config';

/**
 * Committed plus rolled-back transactions of each service database, from pg_stat_database. Read
 * through the server's maintenance database, so that reading them adds nothing to what is counted.
 */
export class TransactionCounters {
  private constructor(private readonly client: Client) {}

  static async connect(env: NodeJS.ProcessEnv = process.env): Promise<TransactionCounters> {
    const client = new Client({ connectionString: adminDatabaseUrl(env) });
    await client.connect();
    return new TransactionCounters(client);
  }

  async read(databases: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.client.query<{ datname: string; transactions: string }>(
      'SELECT datname, xact_commit + xact_rollback AS transactions FROM pg_stat_database WHERE datname = ANY($1)',
      [databases],
    );
    return new Map(databases.map((database) => [database, Number(rows.find((row) => row.datname === database)?.transactions ?? 0)]));
  }

  /**
   * Each database's size, and the server settings that decide what a size costs: once the tables
   * outgrow shared_buffers PostgreSQL reads their pages from the kernel instead, and without
   * autovacuum every updated or deleted row stays in them. The same code costs more on larger tables.
   */
  async describe(databases: readonly string[]): Promise<DatabaseServer> {
    const { rows } = await this.client.query<{ sizes: Record<string, number>; shared_buffers_mib: number; autovacuum: string }>(
      `SELECT (SELECT coalesce(json_object_agg(datname, pg_database_size(datname) / 1048576.0), '{}')
                 FROM pg_database WHERE datname = ANY($1)) AS sizes,
              pg_size_bytes(current_setting('shared_buffers')) / 1048576.0 AS shared_buffers_mib,
              current_setting('autovacuum') AS autovacuum`,
      [databases],
    );
    const [{ sizes, shared_buffers_mib, autovacuum }] = rows;
    return {
      sizesMiB: Object.fromEntries(databases.map((database) => [database, Math.round(Number(sizes[database] ?? 0))])),
      sharedBuffersMiB: Math.round(Number(shared_buffers_mib)),
      autovacuum,
    };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** The databases a run started on: see TransactionCounters.describe. */
export interface DatabaseServer {
  /** Each service database's size in MiB, before the first step. */
  readonly sizesMiB: Readonly<Record<string, number>>;
  readonly sharedBuffersMiB: number;
  readonly autovacuum: string;
}

export interface OrderTimes {
  readonly id: string;
  readonly status: string;
  readonly cancellationReason: string | null;
  /** Epoch ms: when the order service stored the order (its transaction's clock). */
  readonly createdAt: number;
  /** Epoch ms: the last write to the order; for an ended order, when it ended. */
  readonly updatedAt: number;
}

const TERMINAL = ['COMPLETED', 'CANCELLED'];

/**
 * The order service's own database, read directly: an order's end-to-end time is what its row
 * says, created_at to the updated_at its terminal status was written with, not when a poller
 * happened to notice. Every statement here is one transaction in that database; `transactionsRun`
 * counts them, so the benchmark can take its own reads out of the per-order figures.
 */
export class OrderDatabase {
  private statements = 0;

  private constructor(private readonly client: Client) {}

  static async connect(databaseUrl: string): Promise<OrderDatabase> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    return new OrderDatabase(client);
  }

  get transactionsRun(): number {
    return this.statements;
  }

  /** Those of the orders that have not ended yet, or are not there at all. */
  async notEnded(orderIds: readonly string[]): Promise<string[]> {
    this.statements += 1;
    const { rows } = await this.client.query<{ id: string }>(
      `SELECT wanted.id FROM unnest($1::uuid[]) AS wanted(id)
         LEFT JOIN orders o ON o.id = wanted.id
        WHERE o.id IS NULL OR o.status::text <> ALL($2)`,
      [orderIds, TERMINAL],
    );
    return rows.map((row) => row.id);
  }

  async times(orderIds: readonly string[]): Promise<OrderTimes[]> {
    this.statements += 1;
    const { rows } = await this.client.query<{ id: string; status: string; cancellation_reason: string | null; created_ms: number; updated_ms: number }>(
      `SELECT id, status::text AS status, cancellation_reason,
              (extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
              (extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms
         FROM orders WHERE id = ANY($1::uuid[])`,
      [orderIds],
    );
    return rows.map((row) => ({ id: row.id, status: row.status, cancellationReason: row.cancellation_reason, createdAt: row.created_ms, updatedAt: row.updated_ms }));
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

export const isEnded = (order: OrderTimes) => TERMINAL.includes(order.status);
