import { ExpiredRows, type ExpiringRows } from '@platform/database';
import { describeError } from '@platform/messaging';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

/** SENT rows expire; PENDING and FAILED ones wait for the relay or an operator, however old. */
export const SENT_OUTBOX_ROWS: ExpiringRows = { table: 'outbox_message', writtenAt: 'sent_at', condition: `status = 'SENT'`, what: 'sent outbox rows' };

const INTERVAL_MS = 60_000;

/**
 * The outbox's housekeeping, once a minute: SENT rows past their retention are deleted, and rows
 * for a broker this service has no publisher for are swept to the relay (`relayUnservedRows`).
 * Each worker claims only its own broker's rows, so such a row (a service writing to a broker it
 * was not configured with) would otherwise sit PENDING unnoticed; swept, it fails, using up its
 * attempts until it is parked as FAILED where an operator sees it.
 */
export class OutboxJanitor {
  private readonly expired: ExpiredRows;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    pool: Pool,
    retentionMs: number,
    private readonly relayUnservedRows: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {
    this.expired = new ExpiredRows(async (text, values) => (await pool.query(text, values)).rowCount ?? 0, SENT_OUTBOX_ROWS, retentionMs, logger, INTERVAL_MS);
  }

  start(): void {
    this.expired.start();
    this.scheduleSweep();
  }

  stop(): void {
    this.expired.stop();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Deletes every SENT row past the retention; returns how many. */
  deleteExpired(): Promise<number> {
    return this.expired.deleteExpired();
  }

  private scheduleSweep(): void {
    this.timer = setTimeout(() => void this.sweep().finally(() => this.timer && this.scheduleSweep()), INTERVAL_MS);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    try {
      await this.relayUnservedRows();
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'outbox rows of brokers without a publisher were not looked at; trying again later');
    }
  }
}
