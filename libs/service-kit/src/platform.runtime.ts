import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { MessageContract } from '@platform/contracts';
import { DelayQueueRegistry } from './delay-queue-registry';
import { ExpiredRows, sql, SqlDatabase, type SqlTransaction } from '@platform/database';
import { IdempotentConsumer, INBOX_ROWS, RedisSeenCache } from '@platform/idempotency';
import {
  createKafka,
  DeadLetterAdmin,
  describeError,
  type InboundMessage,
  MessageHandlers,
  type MessagePublisher,
  RabbitConnection,
  RabbitConsumer,
  RabbitPublisher,
  rabbitTopology,
  type ResetFrom,
  retryQueues,
  type TopicPartitionOffset,
  withDelayQueues,
} from '@platform/messaging';
import { type ReadinessCheck, PlatformMetrics } from '@platform/observability';
import { OutboxAdmin, OutboxRelay } from '@platform/outbox';
import Redis from 'ioredis';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { MESSAGE_CONSUMER, type MessageContext, ON_MESSAGE } from './message-handler.decorators';
import { KafkaRuntime, type Replay } from './kafka.runtime';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import { SERVICE_DATABASE } from './platform.tokens';
import type { ServiceDatabase } from './service-database';

type Handlers = MessageHandlers<MessageContext<unknown>>;

/**
 * Brings a service's messaging to life once Nest has built it, and takes it down in reverse:
 * broker connections, the outbox relay, and a consumer for each subscription, whose handlers
 * are the @OnMessage methods found on @MessageConsumer providers.
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
  readonly deadLetterAdmin: DeadLetterAdmin | null = null;
  /** Found once Nest has built every provider (onApplicationBootstrap), before any consumer starts. */
  private handlers = new Map<string, Handlers>();

  constructor(
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_DATABASE) private readonly database: ServiceDatabase,
    private readonly metrics: PlatformMetrics,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
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

    if (options.rabbitmq) {
      const topology = withDelayQueues(
        options.rabbitTopology ?? rabbitTopology,
        retryQueues(options.rabbitQueues ?? [], config.RABBITMQ_RETRY_DELAYS_MS),
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
      this.deadLetterAdmin = new DeadLetterAdmin(this.rabbit);
    }
    if (options.kafka) {
      const { KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS, KAFKA_LAG_ALERT_THRESHOLD, KAFKA_LAG_CHECK_INTERVAL_MS } = config;
      if (!KAFKA_BROKERS || !KAFKA_TOPIC_PARTITIONS || !KAFKA_LAG_ALERT_THRESHOLD || !KAFKA_LAG_CHECK_INTERVAL_MS) {
        throw new Error(`the ${service} service uses Kafka but its config schema has no KAFKA_* variables`);
      }
      const group = options.kafkaGroup ?? null;
      this.kafka = new KafkaRuntime(
        createKafka({ clientId: `${service}-service`, brokers: KAFKA_BROKERS }, this.logger),
        { ...config, KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS, KAFKA_LAG_ALERT_THRESHOLD, KAFKA_LAG_CHECK_INTERVAL_MS },
        group,
        async (messages) => {
          // A topic carries every event of its aggregate; a group handles the types it cares about.
          const groupHandlers = group && this.handlers.get(group.groupId);
          const handled = groupHandlers ? messages.filter((message) => groupHandlers.handles(message.type)) : [];
          if (groupHandlers && handled.length > 0) await this.dispatch(group.groupId, groupHandlers, handled);
        },
        this.logger,
        metrics,
      );
      this.publishers.push(this.kafka.publisher);
    }
  }

  onApplicationBootstrap(): void {
    this.handlers = this.discoverHandlers();
    this.startRabbitConsumers(this.handlers);
    if (this.rabbit) this.rabbit.start();
    this.kafka?.start();
    this.relay = new OutboxRelay(
      this.relayPool,
      this.publishers,
      {
        batchSize: this.options.config.OUTBOX_BATCH_SIZE,
        concurrency: this.options.config.OUTBOX_RELAY_CONCURRENCY,
        pollIntervalMs: this.options.config.OUTBOX_POLL_INTERVAL_MS,
        maxAttempts: this.options.config.OUTBOX_MAX_ATTEMPTS,
        retryBaseDelayMs: 500,
        retryMaxDelayMs: 60_000,
        retentionMs: this.options.config.OUTBOX_RETENTION_HOURS * 3_600_000,
      },
      this.logger.child({ component: 'outbox-relay' }),
      this.metrics,
    );
    this.relay.start();
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

  private discoverHandlers(): Map<string, Handlers> {
    const bySubscription = new Map<string, Handlers>();
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const subscription = this.reflector.get<string | undefined>(MESSAGE_CONSUMER, metatype as never);
      if (!subscription) continue;
      const handlers = bySubscription.get(subscription) ?? new MessageHandlers<MessageContext<unknown>>();
      const target = instance as Record<string, (payload: unknown, context: MessageContext<unknown>) => Promise<void>>;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const contracts = this.reflector.get<MessageContract[] | undefined>(ON_MESSAGE, target[method]) ?? [];
        for (const contract of contracts) handlers.on(contract, (payload, context) => target[method](payload, context));
      }
      bySubscription.set(subscription, handlers);
    }
    const declared = new Set([...(this.options.rabbitQueues ?? []), this.options.kafkaGroup?.groupId]);
    for (const subscription of bySubscription.keys()) {
      if (!declared.has(subscription)) {
        throw new Error(`@MessageConsumer('${subscription}') is not a subscription of the ${this.options.service} service`);
      }
    }
    return bySubscription;
  }

  private startRabbitConsumers(handlers: Map<string, Handlers>): void {
    for (const queue of this.options.rabbitQueues ?? []) {
      if (!this.rabbit) throw new Error('RabbitMQ queues are configured but rabbitmq is off');
      const queueHandlers = handlers.get(queue) ?? new MessageHandlers<MessageContext<unknown>>();
      new RabbitConsumer(
        this.rabbit,
        { queue, prefetch: this.prefetchOf(queue), retryDelaysMs: this.options.config.RABBITMQ_RETRY_DELAYS_MS },
        (messages) => this.dispatch(queue, queueHandlers, messages),
        this.logger.child({ component: 'consumer' }),
        this.metrics,
      );
    }
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

  /**
   * Validates every message against its contract (a PermanentMessageError fails the batch before
   * any transaction opens, and the consumer then handles the messages one at a time), then applies
   * the new ones in one transaction with their inbox rows.
   */
  private async dispatch(subscription: string, handlers: Handlers, messages: readonly InboundMessage[]): Promise<void> {
    const entries = messages.map((message) => {
      const invoke = handlers.prepare(message);
      return { message, apply: (tx: SqlTransaction, batch: readonly InboundMessage[]) => invoke({ tx, message, batch }) };
    });
    const outcomes = await this.inbox.handleBatch(subscription, entries);
    this.metrics.batchHandled(subscription, messages.length);
    messages.forEach((message, index) => {
      const outcome = outcomes[index];
      this.logger.info(
        { orderId: message.correlationId, messageId: message.messageId, type: message.type, subscription, outcome },
        outcome === 'processed' ? 'message handled' : 'duplicate message skipped',
      );
    });
  }
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}
