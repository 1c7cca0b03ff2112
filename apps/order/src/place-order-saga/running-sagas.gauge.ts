import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RepeatingTask } from '@platform/database';
import { describeError } from '@platform/messaging';
import { PLATFORM_LOGGER } from '@platform/service-kit';
import type { Logger } from 'pino';
import { OrderDatabase } from '../order.database';
import { SagaMetrics } from './saga.metrics';

const INTERVAL_MS = 5_000;

/**
 * Counts the sagas still running every few seconds for `saga_instances{state="RUNNING"}`, with one
 * statement on the partial index of running sagas (`saga_instance_running_updated_at_idx`): it
 * reads the running few, never the ended many. RUNNING is a saga's only state before its end.
 */
@Injectable()
export class RunningSagasGauge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly counts = new RepeatingTask(INTERVAL_MS, () => this.count());

  constructor(
    private readonly db: OrderDatabase,
    private readonly metrics: SagaMetrics,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.counts.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.counts.stop();
  }

  private async count(): Promise<void> {
    try {
      const [{ running }] = await this.db.$queryRaw<{ running: number }[]>`
        SELECT count(*)::int AS running FROM saga_instance WHERE status = 'RUNNING'`;
      this.metrics.sagaInstances('RUNNING', running);
    } catch (error) {
      this.logger.debug({ err: describeError(error) }, 'running sagas not counted: the database did not answer');
    }
  }
}
