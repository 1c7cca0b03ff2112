import type { Logger } from 'pino';
import { RepeatingTask } from './repeating-task';

/** Runs one statement and says how many rows it changed. */
export type StatementRunner = (text: string, values: unknown[]) => Promise<number>;

/** A table whose rows expire, and the column that says when each was written. Both are names from code, never input. */
export interface ExpiringRows {
  readonly table: string;
  readonly writtenAt: string;
  /** Only rows that also match this condition expire (SQL from code, never input), e.g. `status = 'SENT'`. */
  readonly condition?: string;
  /** How the log names them: 'inbox rows'. */
  readonly what: string;
}

const CHUNK = 5_000;

/**
 * Deletes the rows of a table that are older than its retention, every `intervalMs` (hourly by
 * default), a bounded chunk per statement, each its own short transaction: writers add new rows
 * and never wait on the old ones being deleted.
 */
export class ExpiredRows {
  private readonly repeating: RepeatingTask;

  constructor(
    private readonly run: StatementRunner,
    private readonly rows: ExpiringRows,
    private readonly retentionMs: number,
    private readonly logger: Logger,
    intervalMs = 3_600_000,
  ) {
    this.repeating = new RepeatingTask(intervalMs, () => this.cleanUp());
  }

  start(): void {
    this.repeating.start();
  }

  /** Resolves once a clean-up under way has ended, so the connections it uses may be closed after. */
  stop(): Promise<void> {
    return this.repeating.stop();
  }

  /** Deletes every expired row, chunk by chunk; returns how many. */
  async deleteExpired(): Promise<number> {
    const { table, writtenAt, condition } = this.rows;
    const statement = `
      DELETE FROM ${table}
       WHERE ctid IN (SELECT ctid FROM ${table}
                       WHERE ${writtenAt} < now() - make_interval(secs => $1)${condition ? ` AND (${condition})` : ''}
                       LIMIT ${CHUNK})`;
    let deleted = 0;
    for (;;) {
      const count = await this.run(statement, [this.retentionMs / 1000]);
      deleted += count;
      if (count < CHUNK) return deleted;
    }
  }

  private async cleanUp(): Promise<void> {
    try {
      const deleted = await this.deleteExpired();
      if (deleted > 0) this.logger.info({ deleted }, `deleted ${this.rows.what} past their retention`);
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, `deleting old ${this.rows.what} failed; trying again later`);
    }
  }
}
