import type { SqlTransaction } from './sql-transaction';

/**
 * Rows a transaction produces one at a time but writes all at once: collected while it runs,
 * handed to `write` in one call just before it commits (and dropped on rollback). A consumer
 * that handles fifty messages in one transaction then inserts their rows in one round trip.
 */
export class RowsAtCommit<Row> {
  private readonly pending = new WeakMap<SqlTransaction, Row[]>();

  constructor(private readonly write: (tx: SqlTransaction, rows: readonly Row[]) => Promise<void>) {}

  add(tx: SqlTransaction, rows: readonly Row[]): void {
    if (rows.length === 0) return;
    const waiting = this.pending.get(tx);
    if (waiting) {
      waiting.push(...rows);
      return;
    }
    this.pending.set(tx, [...rows]);
    tx.beforeCommit(async () => {
      const collected = this.pending.get(tx) ?? [];
      this.pending.delete(tx);
      await this.write(tx, collected);
    });
  }
}
