import type { PoolClient, QueryConfig, QueryResultRow } from 'pg';
import { type CommitWrite, writeGroups, writesTogether } from './commit-writes';
import { PLAN_EVERY_EXECUTION } from './custom-plans';
import type { SqlStatement } from './sql';

/**
 * A name per statement text, so that each connection parses a hot statement once and then only
 * binds, plans and executes it (planning stays per execution: see PLAN_EVERY_EXECUTION). The texts
 * come from sql`` call sites, so there are as many names as call sites.
 */
const statementNames = new Map<string, string>();

export function prepared(statement: SqlStatement): QueryConfig {
  let name = statementNames.get(statement.text);
  if (!name) statementNames.set(statement.text, (name = `platform_${statementNames.size + 1}`));
  return { name, text: statement.text, values: statement.values };
}

/**
 * One database transaction on one pg connection. Handlers and services write through it with
 * plain SQL; work that belongs at the end of the transaction (the outbox's multi-row insert and
 * its NOTIFY) registers itself with `beforeCommit` or `writeAtCommit`.
 *
 * BEGIN goes to the server with the first statement that needs it, not before: a transaction
 * whose only statement is its writes at commit (a POST /orders, or a burst of them sharing one)
 * sends that statement alone, one round trip instead of three (see `commit`).
 */
export class SqlTransaction {
  private readonly commitHooks: (() => Promise<void>)[] = [];
  private readonly commitWrites: (() => CommitWrite)[] = [];
  private readonly committedHooks: (() => void)[] = [];
  private begun = false;

  constructor(private readonly client: PoolClient) {}

  /** Whether BEGIN has been sent: only then is there anything to COMMIT or ROLLBACK. */
  get open(): boolean {
    return this.begun;
  }

  /** Runs a statement and returns its rows. */
  async query<Row extends QueryResultRow = QueryResultRow>(statement: SqlStatement): Promise<Row[]> {
    await this.begin();
    return (await this.client.query<Row>(prepared(statement))).rows;
  }

  /** Runs a statement and returns how many rows it inserted, updated or deleted. */
  async execute(statement: SqlStatement): Promise<number> {
    await this.begin();
    return (await this.client.query(prepared(statement))).rowCount ?? 0;
  }

  /** Registers work to run, in order, just before COMMIT (and not at all on rollback). */
  beforeCommit(hook: () => Promise<void>): void {
    this.commitHooks.push(hook);
  }

  /**
   * Registers a write to make just before COMMIT, after the hooks, whose result nobody reads. A
   * transaction's writes go to the server in one statement, one round trip for all of them: a new
   * order's row, its saga, the saga's history and its outbox rows took four. On two busy cores
   * every round trip waits for the client and the server each to get a core again.
   */
  writeAtCommit(write: () => CommitWrite): void {
    this.commitWrites.push(write);
  }

  /**
   * Called by SqlDatabase: runs the hooks, including any a hook registers, then the writes, then
   * COMMIT. When the writes are the transaction's one statement, they go without BEGIN and COMMIT:
   * PostgreSQL runs a statement sent alone as a transaction of its own, all of it or nothing. It is
   * sent unprepared, so it is planned for its own values, as PLAN_EVERY_EXECUTION has the others.
   */
  async commit(): Promise<void> {
    for (let index = 0; index < this.commitHooks.length; index += 1) await this.commitHooks[index]();
    const groups = writeGroups(this.commitWrites.map((write) => write()));
    if (!this.begun && groups.length === 1) {
      const { text, values } = writesTogether(groups[0]);
      await this.client.query({ text, values });
      return;
    }
    for (const group of groups) await this.execute(writesTogether(group));
    if (this.begun) await this.client.query('COMMIT');
  }

  private async begin(): Promise<void> {
    if (this.begun) return;
    this.begun = true;
    await this.client.query(`BEGIN; ${PLAN_EVERY_EXECUTION}`);
  }

  /**
   * Registers work to run once the transaction has committed, and never if it rolls back: what
   * must only count what happened, such as metrics. It runs after COMMIT has answered, so a hook
   * that throws is reported, not thrown: the caller would take a committed transaction for a
   * failed one, and run it again.
   */
  afterCommit(hook: () => void): void {
    this.committedHooks.push(hook);
  }

  /** Called by SqlDatabase once COMMIT has succeeded; every hook runs, whichever throws. */
  runAfterCommitHooks(report: (error: unknown) => void): void {
    for (const hook of this.committedHooks) {
      try {
        hook();
      } catch (error) {
        report(error);
      }
    }
  }
}
