import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { MessageContract } from '@platform/contracts';
import { IdempotentConsumer, RedisSeenCache } from '@platform/idempotency';
import {
  createKafka,
  DeadLetterAdmin,
  describeError,
  ensureTopics,
  type InboundMessage,
  KafkaPublisher,
  KafkaSubscription,
  kafkaTopics,
  MessageHandlers,
  type MessagePublisher,
  RabbitConnection,
  RabbitConsumer,
  RabbitPublisher,
  rabbitTopology,
  retryQueues,
  withDelayQueues,
} from '@platform/messaging';
import { type ReadinessCheck, PlatformMetrics } from '@platform/observability';
import { OutboxAdmin, OutboxRelay } from '@platform/outbox';
import Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { MESSAGE_CONSUMER, type MessageContext, ON_MESSAGE } from './message-handler.decorators';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import { SERVICE_DATABASE } from './platform.tokens';
import type { ServiceDatabase, ServiceTransaction } from './service-database';

type Handlers = MessageHandlers<MessageContext<unknown>>;

/**
 * Brings a service's messaging to life once Nest has built it, and takes it down in reverse:
 * broker connections, the outbox relay, and a consumer for each subscription, whose handlers
 * are the @OnMessage methods found on @MessageConsumer providers.
 */
@Injectable()
export class PlatformRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relayPool: Pool;
  private readonly redis: Redis;
  private readonly rabbit: RabbitConnection | null = null;
  private readonly kafka: Kafka | null = null;
  private readonly kafkaPublisher: KafkaPublisher | null = null;
  private readonly publishers: MessagePublisher[] = [];
  private readonly inbox: IdempotentConsumer<ServiceTransaction>;
  private relay: OutboxRelay | null = null;
  readonly outboxAdmin: OutboxAdmin;
  readonly deadLetterAdmin: DeadLetterAdmin | null = null;
  private kafkaSubscription: KafkaSubscription | null = null;
  private kafkaStarter: Promise<void> | null = null;
  private kafkaReady = false;
  private stopping = false;

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
    // One connection per relay worker, one for LISTEN, one for gauges and operator queries.
    this.relayPool = new Pool({
      connectionString: config.DATABASE_URL,
      max: config.OUTBOX_RELAY_CONCURRENCY + 2,
      connectionTimeoutMillis: 5_000,
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
    this.inbox = new IdempotentConsumer(
      <T>(work: (tx: ServiceTransaction) => Promise<T>) =>
        this.database.$transaction(work, { timeout: 15_000, maxWait: 5_000 }),
      new RedisSeenCache(this.redis, this.logger, config.INBOX_CACHE_TTL_SECONDS),
      metrics,
    );

    if (options.rabbitmq) {
      this.rabbit = new RabbitConnection(
        {
          url: config.RABBITMQ_URL,
          connectionName: `${service}-service`,
          topology: withDelayQueues(
            options.rabbitTopology ?? rabbitTopology,
            retryQueues(options.rabbitQueues ?? [], config.RABBITMQ_RETRY_DELAYS_MS),
          ),
        },
        this.logger.child({ component: 'rabbitmq' }),
      );
      this.publishers.push(new RabbitPublisher(this.rabbit, this.logger.child({ component: 'rabbitmq' })));
      this.deadLetterAdmin = new DeadLetterAdmin(this.rabbit);
    }
    if (options.kafka) {
      if (!config.KAFKA_BROKERS || !config.KAFKA_TOPIC_PARTITIONS) {
        throw new Error(`the ${service} service uses Kafka but its config schema has no KAFKA_* variables`);
      }
      this.kafka = createKafka(
        { clientId: `${service}-service`, brokers: config.KAFKA_BROKERS },
        this.logger,
      );
      this.kafkaPublisher = new KafkaPublisher(this.kafka, this.logger.child({ component: 'kafka' }));
      this.publishers.push(this.kafkaPublisher);
    }
  }

  onApplicationBootstrap(): void {
    const handlers = this.discoverHandlers();
    this.startRabbitConsumers(handlers);
    if (this.rabbit) this.rabbit.start();
    if (this.kafka) this.kafkaStarter = this.startKafka(handlers);
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
    this.stopping = true;
    await this.kafkaStarter;
    await this.kafkaSubscription?.stop().catch((error: unknown) => this.logShutdownError('kafka consumer', error));
    await this.relay?.stop();
    await this.rabbit?.stop();
    await this.kafkaPublisher?.disconnect().catch((error: unknown) => this.logShutdownError('kafka producer', error));
    await this.relayPool.end();
    this.redis.disconnect();
    await this.database.$disconnect();
  }

  readinessChecks(): ReadinessCheck[] {
    const checks: ReadinessCheck[] = [
      { name: 'database', critical: true, check: async () => void (await this.database.$queryRawUnsafe('SELECT 1')) },
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
    if (this.kafka) {
      checks.push({
        name: 'kafka',
        critical: true,
        check: async () => {
          assert(this.kafkaReady && (this.kafkaPublisher?.isConnected ?? false), 'not connected');
          assert(this.kafkaSubscription?.isRunning ?? true, 'the consumer stopped after a crash it could not recover from');
        },
      });
    }
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
        const contract = this.reflector.get<MessageContract | undefined>(ON_MESSAGE, target[method]);
        if (contract) handlers.on(contract, (payload, context) => target[method](payload, context));
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
        (message) => this.dispatch(queue, queueHandlers, message),
        this.logger.child({ component: 'consumer' }),
      );
    }
  }

  /** The queue's prefetch from the topology, unless RABBITMQ_PREFETCH_PER_QUEUE overrides it. */
  private prefetchOf(queue: string): number {
    const declared = (this.options.rabbitTopology ?? rabbitTopology).queues.find(({ name }) => name === queue);
    if (!declared) throw new Error(`the ${this.options.service} service consumes ${queue}, which the topology does not declare`);
    return this.options.config.RABBITMQ_PREFETCH_PER_QUEUE[queue] ?? declared.prefetch;
  }

  /** Kafka may come up after the service; keep trying in the background while readiness says no. */
  private async startKafka(handlers: Map<string, Handlers>): Promise<void> {
    const kafka = this.kafka!;
    for (let attempt = 1; !this.stopping; attempt += 1) {
      try {
        await ensureTopics(kafka, kafkaTopics, this.options.config.KAFKA_TOPIC_PARTITIONS!);
        await this.kafkaPublisher!.connect();
        const group = this.options.kafkaGroup;
        if (group) {
          const groupHandlers = handlers.get(group.groupId) ?? new MessageHandlers<MessageContext<unknown>>();
          this.kafkaSubscription = new KafkaSubscription(
            kafka,
            { groupId: group.groupId, topics: group.topics },
            async (message) => {
              // A topic carries every event of its aggregate; a group handles the types it cares about.
              if (groupHandlers.handles(message.type)) await this.dispatch(group.groupId, groupHandlers, message);
            },
            this.logger.child({ component: 'kafka-consumer' }),
          );
          await this.kafkaSubscription.start();
        }
        this.kafkaReady = true;
        this.logger.info({ topics: kafkaTopics.map(({ topic }) => topic) }, 'kafka connected, topics ensured');
        return;
      } catch (error) {
        this.logger.warn({ err: describeError(error), attempt }, 'kafka not reachable yet; retrying');
        // A consumer half started by this attempt is stopped, so the next attempt starts the only one.
        await this.kafkaSubscription?.stop().catch((stopError: unknown) => this.logShutdownError('kafka consumer', stopError));
        this.kafkaSubscription = null;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * attempt, 10_000)));
      }
    }
  }

  private async dispatch(subscription: string, handlers: Handlers, message: InboundMessage): Promise<void> {
    const invoke = handlers.prepare(message);
    const outcome = await this.inbox.handleOnce(message, subscription, (tx) => invoke({ tx, message }));
    this.logger.info(
      { orderId: message.correlationId, messageId: message.messageId, type: message.type, subscription, outcome },
      outcome === 'processed' ? 'message handled' : 'duplicate message skipped',
    );
  }

  private logShutdownError(what: string, error: unknown): void {
    this.logger.warn({ err: describeError(error) }, `${what} did not stop cleanly`);
  }
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}
