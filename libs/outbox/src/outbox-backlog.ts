import { RepeatingTask } from '@platform/database';
import { describeError } from '@platform/messaging';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

export interface OutboxBacklog {
  /** Rows not yet published: waiting for the relay, or for their retry after a failed publish. */
  readonly pending: number;
  /** How long the oldest of them has waited since its transaction began; 0 when there is none. */
  readonly oldestAgeSeconds: number;
}

export interface OutboxBacklogMetrics {
  outboxBacklog(pending: number, oldestAgeSeconds: number): void;
  outboxBacklogAlert(alerting: boolean): void;
}

/**
 * One statement, on the partial index of pending rows (`outbox_message_pending_sequence_idx`):
 * it reads only the rows still to be published, however many sent rows wait for clean-up. The
 * oldest is the first by sequence, which is the order the relay publishes in.
 */
export const OUTBOX_BACKLOG_QUERY = `
  SELECT count(*)::int AS pending,
         coalesce(extract(epoch FROM now() - (SELECT created_at FROM outbox_message
                                               WHERE status = 'PENDING' ORDER BY sequence LIMIT 1)), 0)::float8 AS oldest_age_seconds
    FROM outbox_message
   WHERE status = 'PENDING'`;

/**
 * Whether the backlog alert is raised. It is raised once when the oldest pending row gets older
 * than the limit and cleared once when it is back within it; staying on one side changes nothing.
 */
export class OutboxBacklogAlertState {
  private raised = false;

  constructor(readonly maxAgeSeconds: number) {}

  get isRaised(): boolean {
    return this.raised;
  }

  /** What this check changes: 'raised', 'cleared', or nothing. */
  evaluate({ oldestAgeSeconds }: OutboxBacklog): 'raised' | 'cleared' | undefined {
    const tooOld = oldestAgeSeconds > this.maxAgeSeconds;
    if (tooOld === this.raised) return undefined;
    this.raised = tooOld;
    return tooOld ? 'raised' : 'cleared';
  }
}

export interface OutboxBacklogMonitorOptions {
  /** The alert is raised while the oldest pending row is older than this (OUTBOX_AGE_ALERT_SECONDS). */
  readonly maxAgeSeconds: number;
  readonly intervalMs?: number;
}

/**
 * Measures the outbox backlog every few seconds, for the gauges and the backlog alert: messages
 * the service committed but has not published are a broker that refuses them, or a relay that
 * stopped. When the database does not answer the gauges keep their last values: readiness
 * reports the database, this need not.
 */
export class OutboxBacklogMonitor {
  private readonly alert: OutboxBacklogAlertState;
  private readonly checks: RepeatingTask;

  constructor(
    private readonly pool: Pool,
    options: OutboxBacklogMonitorOptions,
    private readonly metrics: OutboxBacklogMetrics,
    private readonly logger: Logger,
  ) {
    this.alert = new OutboxBacklogAlertState(options.maxAgeSeconds);
    this.checks = new RepeatingTask(options.intervalMs ?? 5_000, () => this.check());
  }

  start(): void {
    this.checks.start();
  }

  /** Resolves once a check under way has ended: the pool may be closed after it. */
  stop(): Promise<void> {
    return this.checks.stop();
  }

  async measure(): Promise<OutboxBacklog> {
    const { rows } = await this.pool.query<{ pending: number; oldest_age_seconds: number }>(OUTBOX_BACKLOG_QUERY);
    return { pending: rows[0].pending, oldestAgeSeconds: rows[0].oldest_age_seconds };
  }

  private async check(): Promise<void> {
    let backlog: OutboxBacklog;
    try {
      backlog = await this.measure();
    } catch (error) {
      this.logger.debug({ err: describeError(error) }, 'outbox backlog unknown: the database did not answer');
      return;
    }
    this.metrics.outboxBacklog(backlog.pending, backlog.oldestAgeSeconds);
    const change = this.alert.evaluate(backlog);
    if (!change) return;
    this.metrics.outboxBacklogAlert(change === 'raised');
    const details = { ...backlog, maxAgeSeconds: this.alert.maxAgeSeconds };
    if (change === 'raised') this.logger.warn(details, 'outbox backlog: the oldest unpublished message is older than OUTBOX_AGE_ALERT_SECONDS');
    else this.logger.info(details, 'outbox backlog back within OUTBOX_AGE_ALERT_SECONDS');
  }
}
