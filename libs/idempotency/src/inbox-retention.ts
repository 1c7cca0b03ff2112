import { describeError } from '@platform/messaging';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

const CHUNK = 5_000;

const DELETE_EXPIRED_CHUNK = `
  DELETE FROM inbox_message
   WHERE ctid IN (SELECT ctid FROM inbox_message
                   WHERE processed_at < now() - make_interval(secs => $1)
                   LIMIT ${CHUNK})`;

/**
 * The inbox would grow by a row per message for ever. A row is needed only while a copy of its
 * message may still arrive: redeliveries come within minutes, a re-drive from a dead-letter queue
 * brings a message that was never handled (so has no row), and a Kafka replay empties the inbox
 * itself. Rows older than INBOX_RETENTION_HOURS are deleted, a bounded chunk per statement, each
 * its own short transaction: consumers insert new rows and never wait on old ones.
 */
export class InboxRetention {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly retentionMs: number,
    private readonly logger: Logger,
    private readonly intervalMs = 3_600_000,
  ) {}

  start(): void {
    this.timer = setTimeout(() => void this.run().finally(() => this.timer && this.start()), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Deletes every expired row, chunk by chunk; returns how many. */
  async deleteExpired(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(DELETE_EXPIRED_CHUNK, [this.retentionMs / 1000]);
      deleted += rowCount ?? 0;
      if ((rowCount ?? 0) < CHUNK) return deleted;
    }
  }

  private async run(): Promise<void> {
    try {
      const deleted = await this.deleteExpired();
      if (deleted > 0) this.logger.info({ deleted }, 'deleted inbox rows past their retention');
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'inbox clean-up failed; trying again later');
    }
  }
}
