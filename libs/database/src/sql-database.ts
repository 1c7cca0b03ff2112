import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { bigintsAsNumbers } from './exact-integers';
import { DatabaseBusyError } from './postgres-errors';
import { SqlTransaction } from './sql-transaction';

export interface SqlDatabaseOptions {
  /** Names the pool in errors and logs: 'api', 'consumers'. */
  readonly name: string;
  readonly connectionString: string;
  readonly maxConnections: number;
  /** How long a caller waits for a free connection before DatabaseBusyError. */
  readonly acquireTimeoutMs: number;
  /** Cancels a statement that runs longer than this, so a stuck query cannot hold a connection for ever. */
  readonly statementTimeoutMs?: number;
  readonly onIdleError?: (error: Error) => void;
  /**
   * An after-commit hook threw. The transaction committed all the same, so the caller still gets
   * its result; this is where the failure is seen (by default, a process warning).
   */
  readonly onAfterCommitError?: (error: unknown) => void;
}

/**
 * A pool of pg connections for the platform's hot paths: POST /orders and the message consumers.
 * Prisma stays the schema, migration and model layer (and serves the reads and admin routes);
 * these paths talk to PostgreSQL directly because, measured in the same process, one Prisma
 * statement cost 1.5-3 ms of CPU against about 0.25 ms through pg, and an interactive Prisma
 * transaction with two reads 3-5 ms against 0.8 ms.
 *
 * Each workload gets its own pool, so a burst of background work can never take the API's
 * connections, and a full pool fails fast with DatabaseBusyError instead of queueing for ever.
 */
export class SqlDatabase {
  private readonly pool: Pool;

  constructor(private readonly options: SqlDatabaseOptions) {
    const config: PoolConfig = {
      connectionString: options.connectionString,
      max: options.maxConnections,
      connectionTimeoutMillis: options.acquireTimeoutMs,
      application_name: options.name,
      // pg's default closes a connection after 10 s idle, so light traffic paid a new backend
      // (about 20 ms) per transaction. An idle connection costs the server nothing.
      idleTimeoutMillis: 300_000,
      types: bigintsAsNumbers,
    };
    if (options.statementTimeoutMs) config.statement_timeout = options.statementTimeoutMs;
    this.pool = new Pool(config);
    // An idle connection the server drops must not crash the process; the pool replaces it.
    this.pool.on('error', (error) => options.onIdleError?.(error));
  }

  /**
   * Runs `work` in one transaction and commits it, or rolls it back if `work` (or a commit
   * hook) throws. The connection is discarded rather than reused after an error it may not
   * have survived. The after-commit hooks run once it is back in the pool.
   */
  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    const tx = new SqlTransaction(client);
    let result: T;
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      result = await work(tx);
      await tx.commit();
    } catch (error) {
      if (tx.open) await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken ??= rollbackError as Error));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
    tx.runAfterCommitHooks(this.options.onAfterCommitError ?? ((error) => process.emitWarning(error as Error)));
    return result;
  }

  /** A single statement outside any transaction (health checks, gauges). */
  async query<Row extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
    const client = await this.connect();
    try {
      return (await client.query<Row>(text, values)).rows;
    } finally {
      client.release();
    }
  }

  /** Connections in use and callers waiting for one, for metrics. */
  get usage(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      // pg says "timeout exceeded when trying to connect" when every connection stayed busy.
      if (error instanceof Error && /timeout exceeded when trying to connect/i.test(error.message)) {
        throw new DatabaseBusyError(this.options.name, this.options.acquireTimeoutMs);
      }
      throw error;
    }
  }
}
