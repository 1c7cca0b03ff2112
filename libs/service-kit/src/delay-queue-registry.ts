import { type BindingSpec, type DelayQueueSpec, describeError, retiredDelayQueue } from '@platform/messaging';
import type { ChannelModel } from 'amqplib';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

interface RecordedDelayQueue extends Record<string, unknown> {
  name: string;
  binding: BindingSpec;
  /** Unbound long enough ago that nothing routed before the unbind can still be on its way in. */
  settled: boolean;
}

/**
 * Whether a delay queue subscribes to what an exchange sends out (the order reminders, bound to
 * the order.placed fanout), rather than being addressed by a routing key naming its delay (saga
 * timeouts: `after-30000ms`). An old subscriber gets every message a second time, so it must go.
 * An old addressed queue only gets what is still published for the old delay, during a rolling
 * deploy or from outbox rows written before it; unbinding it would make those unroutable, and
 * keeping it costs nothing.
 */
const subscribes = (binding: BindingSpec | undefined): binding is BindingSpec => binding !== undefined && binding.routingKey === '';

/**
 * Keeps the delay queues that subscribe to an exchange in step with the configuration. A delay
 * queue's name carries its delay (`remind-after-15000ms`), so changing a delay setting declares a
 * new queue and would leave the old one subscribed: every order.placed would then be reminded
 * twice. The service records each such queue it declares. At start-up, a recorded one the
 * configuration no longer names is unbound. A start-up at least a minute later deletes it once its
 * last message has gone where it was due: a message routed just before the unbind may not be
 * counted at once, and quorum queues refuse a delete conditional on being empty.
 */
export class DelayQueueRegistry {
  private reconciled = false;

  constructor(
    private readonly pool: Pool,
    private readonly declared: readonly DelayQueueSpec[],
    private readonly logger: Logger,
  ) {}

  /** A RabbitConnection listener: runs once per process, on the first connection that has declared the topology. */
  readonly onConnected = async (connection: ChannelModel): Promise<void> => {
    if (this.reconciled) return;
    try {
      await this.reconcile(connection);
      this.reconciled = true;
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'stale delay queues not checked; trying again on the next connection');
    }
  };

  private async reconcile(connection: ChannelModel): Promise<void> {
    const subscribed = this.declared.filter((queue) => subscribes(queue.binding));
    const current = new Set(subscribed.map(({ name }) => name));
    const { rows: recorded } = await this.pool.query<RecordedDelayQueue>(
      `SELECT name, binding, unbound_at < now() - interval '1 minute' AS settled
         FROM rabbit_delay_queue`,
    );
    for (const stale of recorded.filter(({ name }) => !current.has(name))) {
      if (!subscribes(stale.binding)) {
        await this.pool.query('DELETE FROM rabbit_delay_queue WHERE name = $1', [stale.name]);
        continue;
      }
      if (stale.settled && (await retiredDelayQueue.deleteIfDrained(connection, stale.name))) {
        await this.pool.query('DELETE FROM rabbit_delay_queue WHERE name = $1', [stale.name]);
        this.logger.warn({ queue: stale.name }, 'delay queue no longer configured: deleted, now that it is empty');
        continue;
      }
      await retiredDelayQueue.unbind(connection, stale.name, stale.binding);
      await this.pool.query('UPDATE rabbit_delay_queue SET unbound_at = coalesce(unbound_at, now()) WHERE name = $1', [stale.name]);
      this.logger.warn(
        { queue: stale.name, binding: stale.binding },
        'delay queue no longer configured: unbound, so it takes no new messages; deleted at a start-up a minute or more from now, once its messages have expired to where they were due',
      );
    }
    if (subscribed.length === 0) return;
    // A queue configured again is bound again by the topology: it is no longer retired.
    await this.pool.query(
      `INSERT INTO rabbit_delay_queue (name, binding)
       SELECT * FROM unnest($1::text[], $2::jsonb[])
       ON CONFLICT (name) DO UPDATE SET binding = excluded.binding, unbound_at = NULL`,
      [subscribed.map(({ name }) => name), subscribed.map(({ binding }) => JSON.stringify(binding))],
    );
  }
}
