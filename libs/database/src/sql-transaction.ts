import type { PoolClient, QueryResultRow } from 'pg';
import type { SqlStatement } from './sql';

/**
 * One open database transaction on one pg connection. Handlers and services write through it
 * with plain SQL; work that belongs at the end of the transaction (the outbox's multi-row insert
 * and its NOTIFY) registers itself with `beforeCommit`.
 */
export class SqlTransaction {
  private readonly commitHooks: (() => Promise<void>)[] = [];

  constructor(private readonly client: PoolClient) {}

  /** Runs a statement and returns its rows. */
  async query<Row extends QueryResultRow = QueryResultRow>(statement: SqlStatement): Promise<Row[]> {
    return (await this.client.query<Row>(statement.text, statement.values)).rows;
  }

  /** Runs a statement and returns how many rows it inserted, updated or deleted. */
  async execute(statement: SqlStatement): Promise<number> {
    return (await this.client.query(statement.text, statement.values)).rowCount ?? 0;
  }

  /** Registers work to run, in order, just before COMMIT (and not at all on rollback). */
  beforeCommit(hook: () => Promise<void>): void {
    this.commitHooks.push(hook);
  }

  /** Called by SqlDatabase: runs the hooks, including any a hook registers. */
  async runCommitHooks(): Promise<void> {
    for (let index = 0; index < this.commitHooks.length; index += 1) await this.commitHooks[index]();
  }
}
