import { ExpiredRows, type ExpiringRows, RepeatingTask } from '@platform/database';
import { describeError } from '@platform/messaging';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

/** SENT rows expire; PENDING and FAILED ones wait for the relay or an operator, however old. */
export const SENT_OUTBOX_ROWS: ExpiringRows = { table: 'outbox_message', writtenAt: 'sent_at', condition: `status = 'SENT'`, what: 'sent outbox rows' };

const INTERVAL_MS = 60_000;

/**
 * The outbox's housekeeping, once a minute and one job after the other (so it holds one
 * connection at a time): SENT rows past their retention are deleted, then rows for a broker this
 * service has no publisher for are swept to the relay (`relayUnservedRows`). Each worker claims
 * only its own broker's rows, so such a row (a service writing to a broker it was not configured
 * with) would otherwise sit PENDING unnoticed; swept, it fails, using up its attempts until it is
 * parked as FAILED where an operator sees it.
 */
export class OutboxJanitor {
  private readonly expired: ExpiredRows;
  private readonly repeating = new RepeatingTask(INTERVAL_MS, () => this.cleanUp());
  private running = false;

  constructor(
    pool: Pool,
    retentionMs: number,
    private readonly relayUnservedRows: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {
    // Only its deleteExpired() is used: the janitor's own round runs it, then the sweep.
    this.expired = new ExpiredRows(async (text, values) => (await pool.query(text, values)).rowCount ?? 0, SENT_OUTBOX_ROWS, retentionMs, logger);
  }

  start(): void {
    this.running = true;
    this.repeating.start();
  }

  /** Resolves once a round under way has ended: the pool may be closed after it. */
  stop(): Promise<void> {
    this.running = false;
    return this.repeating.stop();
  }

  /** Deletes every SENT row past the retention; returns how many. */
  deleteExpired(): Promise<number> {
    return this.expired.deleteExpired();
  }

  private async cleanUp(): Promise<void> {
    try {
      const deleted = await this.deleteExpired();
      if (deleted > 0) this.logger.info({ deleted }, 'deleted sent outbox rows past their retention');
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'deleting sent outbox rows failed; trying again later');
    }
    if (!this.running) return;
    try {
      await this.relayUnservedRows();
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'outbox rows of brokers without a publisher were not looked at; trying again later');
    }
  }
}
