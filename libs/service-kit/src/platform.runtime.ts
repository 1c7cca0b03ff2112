import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DelayQueueRegistry } from './delay-queue-registry';
import { ExpiredRows, sql, SqlDatabase, type SqlTransaction } from '@platform/database';
import { IdempotentConsumer, INBOX_ROWS, RedisSeenCache } from '@platform/idempotency';
import {
  createKafka,
  DeadLetterQueues,
  describeError,
  isTransientError,
  type MessagePublisher,
  RabbitConnection,
  RabbitPublisher,
  rabbitTopology,
  type ResetFrom,
  retryQueues,
  RetryPolicy,
  type TopicPartitionOffset,
  withDelayQueues,
} from '@platform/messaging';
import { type ReadinessCheck, PlatformMetrics } from '@platform/observability';
import { OutboxAdmin, OutboxRelay, OutboxWriter } from '@platform/outbox';
import Redis from 'ioredis';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { KafkaRuntime, type Replay } from './kafka.runtime';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import { SERVICE_DATABASE } from './platform.tokens';
import type { ServiceDatabase } from './service-database';
import type { BatchTransport, BatchTransportOptions } from './transport/batch-transport';
import { KafkaTransport } from './transport/kafka.transport';
import { RabbitMqTransport } from './transport/rabbitmq.transport';

/**
 * A service's messaging resources, and their order of shutdown: broker connections, the outbox
 * relay, the inbox, and the Nest transports (see startMessageTransports) that consume each
 * subscription with the service's @EventPattern handlers.
 */
@Injectable()
export class PlatformRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relayPool: Pool;
  /** The consumers' connections: one per subscription, since each handles one batch at a time. */
  private readonly consumerDatabase: SqlDatabase;
  private readonly redis: Redis;
  private readonly rabbit: RabbitConnection | null = null;
  /** The service's Kafka side, when it uses Kafka: producer, consumer group and their operator controls. */
  readonly kafka: KafkaRuntime | null = null;
  private readonly publishers: MessagePublisher[] = [];
  private readonly seenCache: RedisSeenCache;
  private readonly inbox: IdempotentConsumer;
  private relay: OutboxRelay | null = null;
  private inboxRetention: ExpiredRows | null = null;
  readonly outboxAdmin: OutboxAdmin;
  readonly deadLetterQueues: DeadLetterQueues | null = null;
  /** One per broker the service uses; Nest starts them (startMessageTransports). */
  readonly transports: BatchTransport[] = [];

  constructor(
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_DATABASE) private readonly database: ServiceDatabase,
    private readonly metrics: PlatformMetrics,
    outbox: OutboxWriter,
  ) {
    const { config, service } = options;
    // One connection per relay worker (OUTBOX_RELAY_CONCURRENCY per broker), one for LISTEN, one
    // for gauges, one for operator queries.
    const brokers = Number(options.rabbitmq) + Number(options.kafka);
    this.relayPool = new Pool({
      connectionString: config.DATABASE_URL,
      max: config.OUTBOX_RELAY_CONCURRENCY * brokers + 3,
      connectionTimeoutMillis: 5_000,
      application_name: `${service}-relay`,
      // pg closes a connection idle for 10 s by default; at a few orders a second the relay then
      // paid a new backend (about 20 ms) on most wake-ups. An open idle connection costs nothing.
      idleTimeoutMillis: 300_000,
    });
    this.relayPool.on('error', (error) => this.logger.warn({ err: describeError(error) }, 'idle relay connection failed'));
    this.outboxAdmin = new OutboxAdmin(this.relayPool);
    this.redis = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 500, 5_000),
    });
    let redisDown = false;
    this.redis.on('error', (error) => {
      if (!redisDown) this.logger.warn({ err: describeError(error) }, 'redis unavailable; inbox checks go to the database');
      redisDown = true;
    });
    this.redis.on('ready', () => (redisDown = false));
    this.seenCache = new RedisSeenCache(this.redis, this.logger, config.INBOX_CACHE_TTL_SECONDS);
    const subscriptions = (options.rabbitQueues?.length ?? 0) + (options.kafkaGroup ? 1 : 0);
    this.consumerDatabase = new SqlDatabase({
      name: `${service}-consumers`,
      connectionString: config.DATABASE_URL,
      // One per subscription, one for a replay's reset.
      maxConnections: subscriptions + 1,
      acquireTimeoutMs: 10_000,
      statementTimeoutMs: 60_000,
      onIdleError: (error) => this.logger.warn({ err: describeError(error) }, 'idle consumer connection failed'),
    });
    this.inbox = new IdempotentConsumer((work) => this.consumerDatabase.transaction(work), this.seenCache, metrics);
    const transportOptions: BatchTransportOptions = {
      service,
      subscriptions: [...(options.rabbitQueues ?? []), ...(options.kafkaGroup ? [options.kafkaGroup.groupId] : [])],
      inbox: this.inbox,
      outbox,
      logger,
      metrics,
    };

    this.refuseUnknownRetryPolicies(transportOptions.subscriptions);
    this.refuseSharedDeadLetterSources();
    if (!options.rabbitmq && (options.rabbitQueues?.length ?? 0) > 0) throw new Error('RabbitMQ queues are configured but rabbitmq is off');

    if (options.rabbitmq) {
      const queues = (options.rabbitQueues ?? []).map((queue) => ({
        queue,
        prefetch: this.prefetchOf(queue),
        retry: options.retryPolicies?.[queue] ?? RetryPolicy.intervals(...config.RABBITMQ_RETRY_DELAYS_MS),
      }));
      const topology = withDelayQueues(
        options.rabbitTopology ?? rabbitTopology,
        retryQueues(queues.map(({ queue, retry }) => ({ queue, intervalsMs: retry.intervalsMs }))),
      );
      this.rabbit = new RabbitConnection(
        {
          url: config.RABBITMQ_URL,
          connectionName: `${service}-service`,
          topology,
        },
        this.logger.child({ component: 'rabbitmq' }),
      );
      const delayQueues = new DelayQueueRegistry(this.relayPool, topology.delayQueues, this.logger.child({ component: 'rabbitmq' }));
      this.rabbit.onConnected(delayQueues.onConnected);
      this.publishers.push(new RabbitPublisher(this.rabbit, this.logger.child({ component: 'rabbitmq' })));
      this.deadLetterQueues = new DeadLetterQueues(this.rabbit);
      this.transports.push(new RabbitMqTransport(this.rabbit, queues, transportOptions));
    }
    if (options.kafka) {
      const { KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS, KAFKA_LAG_ALERT_THRESHOLD, KAFKA_LAG_CHECK_INTERVAL_MS, KAFKA_RETRY_DELAYS_MS } = config;
      if (!KAFKA_BROKERS || !KAFKA_TOPIC_PARTITIONS || !KAFKA_LAG_ALERT_THRESHOLD || !KAFKA_LAG_CHECK_INTERVAL_MS || !KAFKA_RETRY_DELAYS_MS) {
        throw new Error(`the ${service} service uses Kafka but its config schema has no KAFKA_* variables`);
      }
      // Retried in place, so the partition waits: by default transient pauses of at most 10 s, heartbeating meanwhile.
      const group = options.kafkaGroup
        ? {
            ...options.kafkaGroup,
            retry:
              options.retryPolicies?.[options.kafkaGroup.groupId] ??
              RetryPolicy.intervals(...KAFKA_RETRY_DELAYS_MS).treatingAsTransient(isTransientError, { initialMs: 500, maxMs: 10_000 }),
          }
        : null;
      if (group && !Number.isFinite(group.retry.maxAttempts)) {
        // The partition waits while a message is retried: one that never gives up would block it for good.
        throw new Error(`the retry policy of the consumer group ${group.groupId} must give up some time (maxAttempts)`);
      }
      let transport: KafkaTransport | null = null;
      this.kafka = new KafkaRuntime(
        createKafka({ clientId: `${service}-service`, brokers: KAFKA_BROKERS }, this.logger),
        { ...config, KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS, KAFKA_LAG_ALERT_THRESHOLD, KAFKA_LAG_CHECK_INTERVAL_MS, KAFKA_RETRY_DELAYS_MS },
        group,
        (messages) => transport!.handleBatch(messages),
        this.logger,
        metrics,
      );
      transport = new KafkaTransport(this.kafka, group?.groupId ?? null, transportOptions);
      this.transports.push(transport);
      this.publishers.push(this.kafka.publisher);
    }
  }

  onApplicationBootstrap(): void {
    this.inboxRetention = new ExpiredRows(
      async (text, values) => (await this.relayPool.query(text, values)).rowCount ?? 0,
      INBOX_ROWS,
      this.options.config.INBOX_RETENTION_HOURS * 3_600_000,
      this.logger.child({ component: 'inbox-retention' }),
    );
    this.inboxRetention.start();
    this.metrics.gaugeOnScrape(
      'outbox_pending_messages',
      'Outbox rows not yet published (-1 while the database does not answer)',
      async () => {
        try {
          const { rows } = await this.relayPool.query<{ count: string }>(
            "SELECT count(*) FROM outbox_message WHERE status = 'PENDING'",
          );
          return Number(rows[0].count);
        } catch (error) {
          this.logger.debug({ err: describeError(error) }, 'outbox backlog unknown: the database did not answer');
          return -1;
        }
      },
    );
  }

  /** Once the transports have opened the broker connections it publishes on (see runService). */
  startRelay(): void {
    this.relay = new OutboxRelay(
      this.relayPool,
      this.publishers,
      {
        batchSize: this.options.config.OUTBOX_BATCH_SIZE,
        concurrency: this.options.config.OUTBOX_RELAY_CONCURRENCY,
        pollIntervalMs: this.options.config.OUTBOX_POLL_INTERVAL_MS,
        retry: RetryPolicy.exponential({ initialMs: 500, maxMs: 60_000, maxAttempts: this.options.config.OUTBOX_MAX_ATTEMPTS }),
        retentionMs: this.options.config.OUTBOX_RETENTION_HOURS * 3_600_000,
      },
      this.logger.child({ component: 'outbox-relay' }),
      this.metrics,
    );
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.kafka?.stop();
    await this.relay?.stop();
    this.inboxRetention?.stop();
    await this.rabbit?.stop();
    await this.kafka?.disconnectProducer();
    await this.relayPool.end();
    await this.consumerDatabase.end();
    this.redis.disconnect();
    await this.database.$disconnect();
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

  /** A retry policy for a subscription the service does not have is a mistake, said at start-up. */
  private refuseUnknownRetryPolicies(subscriptions: readonly string[]): void {
    for (const subscription of Object.keys(this.options.retryPolicies ?? {})) {
      if (!subscriptions.includes(subscription)) {
        throw new Error(`a retry policy is declared for '${subscription}', which is not a subscription of the ${this.options.service} service`);
      }
    }
  }

  /** `/admin/dead-letters/:source` names a queue or a topic: one name for both would make it ambiguous. */
  private refuseSharedDeadLetterSources(): void {
    const topics = this.options.kafkaGroup?.topics ?? [];
    const shared = (this.options.rabbitQueues ?? []).find((queue) => topics.includes(queue));
    if (shared) throw new Error(`the ${this.options.service} service consumes both a queue and a topic named '${shared}': rename one`);
  }

  /** The queue's prefetch from the topology, unless RABBITMQ_PREFETCH_PER_QUEUE overrides it. */
  private prefetchOf(queue: string): number {
    const declared = (this.options.rabbitTopology ?? rabbitTopology).queues.find(({ name }) => name === queue);
    if (!declared) throw new Error(`the ${this.options.service} service consumes ${queue}, which the topology does not declare`);
    return this.options.config.RABBITMQ_PREFETCH_PER_QUEUE[queue] ?? declared.prefetch;
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
