import type { CommitWrite } from './commit-writes';
import type { SqlTransaction } from './sql-transaction';

/**
 * State a transaction builds up while it runs and writes once, just before it commits: created
 * on the transaction's first use, handed to `write` at commit, dropped with the transaction on
 * rollback. A consumer that handles fifty messages in one transaction then reads, locks and
 * writes what they share in a few round trips instead of fifty times that.
 */
export class StateAtCommit<State> {
  private readonly states = new WeakMap<SqlTransaction, State>();

  constructor(
    private readonly create: () => State,
    private readonly write: (tx: SqlTransaction, state: State) => Promise<void>,
  ) {}

  /** This transaction's state; `created` says this call made it, so the caller can fill it first. */
  of(tx: SqlTransaction): { state: State; created: boolean } {
    const existing = this.states.get(tx);
    if (existing) return { state: existing, created: false };
    const state = this.create();
    this.states.set(tx, state);
    tx.beforeCommit(async () => {
      this.states.delete(tx);
      await this.write(tx, state);
    });
    return { state, created: true };
  }
}

/** Rows a transaction produces one at a time but writes all at once, in one call just before it commits. */
export class RowsAtCommit<Row> {
  private readonly pending: StateAtCommit<Row[]>;

  constructor(write: (tx: SqlTransaction, rows: readonly Row[]) => Promise<void>) {
    this.pending = new StateAtCommit<Row[]>(() => [], write);
  }

  add(tx: SqlTransaction, rows: readonly Row[]): void {
    if (rows.length === 0) return;
    this.pending.of(tx).state.push(...rows);
  }
}

/**
 * Rows a transaction produces one at a time and writes in one statement just before it commits,
 * a statement whose result nobody reads: it shares its round trip with the transaction's other
 * such writes (SqlTransaction.writeAtCommit).
 */
export class WritesAtCommit<Row> {
  private readonly pending = new WeakMap<SqlTransaction, Row[]>();

  constructor(private readonly write: (rows: readonly Row[]) => CommitWrite) {}

  add(tx: SqlTransaction, rows: readonly Row[]): void {
    if (rows.length === 0) return;
    const pending = this.pending.get(tx);
    if (pending) return void pending.push(...rows);
    const started = [...rows];
    this.pending.set(tx, started);
    tx.writeAtCommit(() => {
      this.pending.delete(tx);
      return this.write(started);
    });
  }
}
