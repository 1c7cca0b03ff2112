import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ExpiredRows, sql, type SqlDatabase, type SqlTransaction } from '@platform/database';
import { INBOX_ROWS, RedisSeenCache } from '@platform/idempotency';
import { type DeadLetterQueues, type RabbitConnection, type ResetFrom, type TopicPartitionOffset } from '@platform/messaging';
import { type ReadinessCheck, PlatformMetrics } from '@platform/observability';
import { OutboxAdmin, OutboxBacklogMonitor, OutboxRelay } from '@platform/outbox';
import { stopTracing } from '@platform/tracing';
import type Redis from 'ioredis';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { DeadLetterDepthMonitor, type DeadLetterSources } from './dead-letter-depth';
import type { KafkaRuntime, Replay } from './kafka.runtime';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import {
  CONSUMER_DATABASE,
  DEAD_LETTER_QUEUES,
  KAFKA_RUNTIME,
  MESSAGE_TRANSPORTS,
  RABBIT_CONNECTION,
  RELAY_POOL,
  REDIS,
  SERVICE_DATABASE,
} from './platform.tokens';
import type { ServiceDatabase } from './service-database';
import type { BatchTransport } from './transport/batch-transport';

/**
 * Starts and stops a service's messaging resources (see platformProviders), in order: the
 * transports consume each subscription with the service's @EventPattern handlers, the outbox
 * relay publishes on the connections they open; at shutdown, the Kafka consumer stops before the
 * relay, the relay before the connections it publishes on (RabbitMQ's consumers close with their
 * connection). It also answers readiness, and replays.
 */
@Injectable()
export class PlatformRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private inboxRetention: ExpiredRows | null = null;
  private deadLetterDepth: DeadLetterDepthMonitor | null = null;

  constructor(
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_DATABASE) private readonly database: ServiceDatabase,
    private readonly metrics: PlatformMetrics,
    @Inject(RELAY_POOL) private readonly relayPool: Pool,
    @Inject(CONSUMER_DATABASE) private readonly consumerDatabase: SqlDatabase,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly seenCache: RedisSeenCache,
    @Inject(RABBIT_CONNECTION) private readonly rabbit: RabbitConnection | null,
    /** The service's Kafka side, when it uses Kafka: producer, consumer group and their operator controls. */
    @Inject(KAFKA_RUNTIME) readonly kafka: KafkaRuntime | null,
    @Inject(MESSAGE_TRANSPORTS) readonly transports: readonly BatchTransport[],
    private readonly relay: OutboxRelay,
    readonly outboxAdmin: OutboxAdmin,
    private readonly outboxBacklog: OutboxBacklogMonitor,
    @Inject(DEAD_LETTER_QUEUES) readonly deadLetterQueues: DeadLetterQueues | null,
  ) {}

  onApplicationBootstrap(): void {
    this.inboxRetention = new ExpiredRows(
      async (text, values) => (await this.relayPool.query(text, values)).rowCount ?? 0,
      INBOX_ROWS,
      this.options.config.INBOX_RETENTION_HOURS * 3_600_000,
      this.logger.child({ component: 'inbox-retention' }),
    );
    this.inboxRetention.start();
    this.outboxBacklog.start();
    this.deadLetterDepth = new DeadLetterDepthMonitor(this.deadLetterSources(), this.metrics, this.logger.child({ component: 'dead-letter-depth' }));
    this.deadLetterDepth.start();
  }

  /** The same queues and topics as the dead-letters admin endpoints: those the service consumes. */
  private deadLetterSources(): DeadLetterSources[] {
    const brokers: DeadLetterSources[] = [];
    if (this.deadLetterQueues) brokers.push({ broker: 'rabbitmq', store: this.deadLetterQueues, sources: this.options.rabbitQueues ?? [] });
    const topics = this.kafka?.deadLetters;
    if (topics) brokers.push({ broker: 'kafka', store: topics, sources: this.options.kafkaGroup?.topics ?? [] });
    return brokers;
  }

  /** Once the transports have opened the broker connections it publishes on (see runService). */
  startRelay(): void {
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.deadLetterDepth?.stop();
    await this.kafka?.stop();
    await this.relay.stop();
    await this.inboxRetention?.stop();
    await this.outboxBacklog.stop();
    await this.rabbit?.stop();
    await this.kafka?.disconnectProducer();
    await this.relayPool.end();
    await this.consumerDatabase.end();
    this.redis.disconnect();
    await this.database.$disconnect();
    // Last: the spans of everything above, the shutdown's own included, are exported before the process exits.
    await stopTracing();
  }

  readinessChecks(): ReadinessCheck[] {
    const checks: ReadinessCheck[] = [
      // The relay's pool keeps spare connections; a busy consumer or API pool must not fail readiness.
      { name: 'database', critical: true, check: async () => void (await this.relayPool.query('SELECT 1')) },
      {
        name: 'redis',
        critical: false,
        check: async () => void (await this.redis.ping()),
      },
    ];
    if (this.rabbit) {
      const rabbit = this.rabbit;
      checks.push({ name: 'rabbitmq', critical: true, check: async () => assert(rabbit.isConnected, 'not connected') });
    }
    if (this.kafka) checks.push(...this.kafka.readinessChecks());
    return checks;
  }

  /**
   * Rebuilds a read model from the Kafka log: the group is rewound (see KafkaRuntime.replay), and
   * in one transaction the consumer's inbox is emptied and `resetReadModel` clears what the
   * replay will write again. The inbox's Redis keys go first: one left behind would skip a message.
   *
   * The whole inbox is emptied, also for partitions an offset reset leaves alone, so the read
   * model must be idempotent by itself (the points ledger is keyed by order id): a message that
   * was handled but whose offset commit was lost when the consumer stopped is read once more.
   */
  async replayReadModel(
    from: ResetFrom,
    resetReadModel: (tx: SqlTransaction, offsets: readonly TopicPartitionOffset[]) => Promise<void>,
  ): Promise<Replay> {
    const group = this.options.kafkaGroup;
    if (!this.kafka || !group) throw new Error(`the ${this.options.service} service reads no Kafka topic`);
    return this.kafka.replay(from, async (offsets) => {
      await this.seenCache.forget(group.groupId);
      await this.consumerDatabase.transaction(async (tx) => {
        await tx.execute(sql`DELETE FROM inbox_message WHERE consumer = ${group.groupId}`);
        await resetReadModel(tx, offsets);
      });
    });
  }
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}
