import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AdvisoryLockLeadership, type Leadership, RepeatingTask } from '@platform/database';
import { describeError } from '@platform/messaging';
import { PlatformMetrics } from '@platform/observability';
import { PLATFORM_LOGGER, WebhookAlertSink } from '@platform/service-kit';
import type { Logger } from 'pino';
import { ORDER_CONFIG, type OrderConfig } from '../order.config';
import { OrderDatabase } from '../order.database';
import { PlaceOrderSagaService } from './place-order-saga.service';

export interface StuckSaga {
  readonly sagaId: string;
  /** The step whose reply the saga waits for. */
  readonly step: string;
  /** When the saga last moved. */
  readonly since: string;
}

export interface StuckSagasAlert {
  readonly alert: 'stuck-sagas';
  readonly stuckAfterMs: number;
  readonly count: number;
  /** The longest stuck, up to 20 of them. */
  readonly sagas: readonly StuckSaga[];
  readonly at: string;
}

const SHOWN_IN_ALERT = 20;

/**
 * Finds sagas that wait for a reply that will not come: RUNNING, and unchanged for longer than
 * SAGA_STUCK_AFTER_MS. A reply that was dead-lettered leaves its saga like this for ever, with the
 * stock held; nothing else would tell anyone. The count is the `saga_stuck_instances` gauge, and
 * while it is above zero an alert is raised to the same sinks as the lag alert (the log, the
 * metrics, LAG_ALERT_WEBHOOK_URL). An operator then re-drives the reply, or cancels the saga
 * (POST /admin/sagas/:id/cancel).
 */
@Injectable()
export class StuckSagasMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly checks: RepeatingTask;
  private stuck = 0;
  private alerting = false;
  /** Another instance led the check meanwhile: what it announced is not known here. */
  private announcedElsewhere = false;
  private readonly webhook: WebhookAlertSink<StuckSagasAlert> | undefined;
  /** Every order instance could check; one does, so that an alert is raised once, not once per instance. */
  private readonly leadership: Leadership;

  constructor(
    private readonly db: OrderDatabase,
    private readonly saga: PlaceOrderSagaService,
    private readonly metrics: PlatformMetrics,
    @Inject(ORDER_CONFIG) private readonly config: OrderConfig,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {
    this.webhook = config.LAG_ALERT_WEBHOOK_URL ? new WebhookAlertSink(config.LAG_ALERT_WEBHOOK_URL) : undefined;
    this.leadership = new AdvisoryLockLeadership(config.DATABASE_URL, 'stuck-sagas', (leading, lostBecause) => {
      metrics.leadership('stuck-sagas', leading);
      if (lostBecause) logger.warn({ err: describeError(lostBecause) }, 'no longer checking for stuck sagas: the database connection broke');
    });
    this.checks = new RepeatingTask(config.SAGA_STUCK_CHECK_INTERVAL_MS, () => this.check());
  }

  onApplicationBootstrap(): void {
    this.metrics.gaugeOnScrape('saga_stuck_instances', 'Sagas RUNNING unchanged for longer than SAGA_STUCK_AFTER_MS', async () => this.stuck);
    this.metrics.gaugeOnScrape('saga_stuck_alerting', '1 while the stuck-sagas alert is raised', async () => (this.alerting ? 1 : 0));
    this.metrics.leadership('stuck-sagas', false);
    this.checks.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.checks.stop();
    await this.leadership.release();
  }

  /** The sagas stuck for longer than `olderThanMs`, longest first, with how many there are in all. */
  async find(olderThanMs = this.config.SAGA_STUCK_AFTER_MS, limit = 100): Promise<{ count: number; sagas: StuckSaga[] }> {
    const rows = await this.db.$queryRaw<{ id: string; current_step: number; updated_at: Date; total: bigint }[]>`
      SELECT id, current_step, updated_at, count(*) OVER () AS total
        FROM saga_instance
       WHERE status = 'RUNNING' AND updated_at < now() - make_interval(secs => ${olderThanMs / 1000})
       ORDER BY updated_at
       LIMIT ${limit}`;
    return {
      count: Number(rows[0]?.total ?? 0),
      sagas: rows.map((row) => ({ sagaId: row.id, step: this.saga.stepName(row.current_step), since: row.updated_at.toISOString() })),
    };
  }

  private async check(): Promise<void> {
    if (!(await this.leadership.isLeader())) {
      // Another instance checks and alerts; this one reports nothing of its own.
      this.stuck = 0;
      this.alerting = false;
      this.announcedElsewhere = true;
      return;
    }
    let found: { count: number; sagas: StuckSaga[] };
    try {
      found = await this.find(this.config.SAGA_STUCK_AFTER_MS, SHOWN_IN_ALERT);
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'stuck sagas unknown: the database did not answer');
      return;
    }
    this.stuck = found.count;
    const alert: StuckSagasAlert = {
      alert: 'stuck-sagas',
      stuckAfterMs: this.config.SAGA_STUCK_AFTER_MS,
      count: found.count,
      sagas: found.sagas,
      at: new Date().toISOString(),
    };
    // Taking over from another instance, announce the state as it is: the old leader may have raised the alert.
    const takingOver = this.announcedElsewhere;
    this.announcedElsewhere = false;
    if (found.count > 0 && (!this.alerting || takingOver)) {
      this.logger.error(alert, `${found.count} saga(s) stuck: re-drive their replies, or cancel them with POST /admin/sagas/:id/cancel`);
      this.alerting = await this.deliver(() => this.webhook?.fire(alert));
    } else if (found.count === 0 && (this.alerting || takingOver)) {
      this.logger.info(alert, 'no saga is stuck any more');
      this.alerting = !(await this.deliver(() => this.webhook?.resolve(alert)));
    }
  }

  /** A webhook that refuses is tried again at the next check, as the lag alert does. */
  private async deliver(send: () => Promise<void> | undefined): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'the stuck-sagas alert webhook failed; trying again at the next check');
      return false;
    }
  }
}
