import type { Provider } from '@nestjs/common';
import { AdvisoryLockLeadership, SqlDatabase } from '@platform/database';
import { IdempotentConsumer, RedisSeenCache } from '@platform/idempotency';
import {
  carriedTypes,
  createKafka,
  DeadLetterQueues,
  describeError,
  isTransientError,
  type MessagePublisher,
  RabbitConnection,
  RabbitPublisher,
  rabbitTopology,
  RetryPolicy,
  retryQueues,
  withDelayQueues,
} from '@platform/messaging';
import { PlatformMetrics } from '@platform/observability';
import { OutboxAdmin, OutboxBacklogMonitor, OutboxRelay, OutboxWriter } from '@platform/outbox';
import Redis from 'ioredis';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { DelayQueueRegistry } from './delay-queue-registry';
import { type KafkaGroupOptions, KafkaRuntime } from './kafka.runtime';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import {
  CONSUMER_DATABASE,
  DEAD_LETTER_QUEUES,
  KAFKA_RUNTIME,
  MESSAGE_TRANSPORTS,
  RABBIT_CONNECTION,
  RABBIT_CONSUMERS,
  RELAY_POOL,
  REDIS,
} from './platform.tokens';
import type { BatchTransport, BatchTransportOptions } from './transport/batch-transport';
import { KafkaTransport } from './transport/kafka.transport';
import { RabbitMqTransport, type RabbitQueueConsumer } from './transport/rabbitmq.transport';

/**
 * The resources a service's messaging is made of, each a Nest provider built by a factory from
 * the platform options: a test module can override any of them (`overrideProvider(REDIS)`).
 * PlatformRuntime starts and stops them, in order.
 */
export function platformProviders(): Provider[] {
  return [
    { provide: RELAY_POOL, inject: [PLATFORM_OPTIONS, PLATFORM_LOGGER], useFactory: relayPool },
    { provide: REDIS, inject: [PLATFORM_OPTIONS, PLATFORM_LOGGER], useFactory: redisClient },
    {
      provide: RedisSeenCache,
      inject: [REDIS, PLATFORM_LOGGER, PLATFORM_OPTIONS],
      useFactory: (redis: Redis, logger: Logger, options: PlatformOptions) => new RedisSeenCache(redis, logger, options.config.INBOX_CACHE_TTL_SECONDS),
    },
    { provide: CONSUMER_DATABASE, inject: [PLATFORM_OPTIONS, PLATFORM_LOGGER], useFactory: consumerDatabase },
    {
      provide: IdempotentConsumer,
      inject: [CONSUMER_DATABASE, RedisSeenCache, PlatformMetrics],
      useFactory: (database: SqlDatabase, seen: RedisSeenCache, metrics: PlatformMetrics) =>
        new IdempotentConsumer((work) => database.transaction(work), seen, metrics),
    },
    { provide: RABBIT_CONSUMERS, inject: [PLATFORM_OPTIONS], useFactory: rabbitConsumers },
    { provide: RABBIT_CONNECTION, inject: [PLATFORM_OPTIONS, PLATFORM_LOGGER, RABBIT_CONSUMERS, RELAY_POOL], useFactory: rabbitConnection },
    {
      provide: DEAD_LETTER_QUEUES,
      inject: [RABBIT_CONNECTION],
      useFactory: (rabbit: RabbitConnection | null) => (rabbit ? new DeadLetterQueues(rabbit) : null),
    },
    { provide: KAFKA_RUNTIME, inject: [PLATFORM_OPTIONS, PLATFORM_LOGGER, PlatformMetrics], useFactory: kafkaRuntime },
    {
      provide: MESSAGE_TRANSPORTS,
      inject: [PLATFORM_OPTIONS, PLATFORM_LOGGER, PlatformMetrics, IdempotentConsumer, OutboxWriter, RABBIT_CONNECTION, RABBIT_CONSUMERS, KAFKA_RUNTIME],
      useFactory: messageTransports,
    },
    { provide: OutboxRelay, inject: [PLATFORM_OPTIONS, PLATFORM_LOGGER, PlatformMetrics, RELAY_POOL, RABBIT_CONNECTION, KAFKA_RUNTIME], useFactory: outboxRelay },
    { provide: OutboxAdmin, inject: [RELAY_POOL], useFactory: (pool: Pool) => new OutboxAdmin(pool) },
    {
      provide: OutboxBacklogMonitor,
      inject: [PLATFORM_OPTIONS, PLATFORM_LOGGER, PlatformMetrics, RELAY_POOL],
      useFactory: (options: PlatformOptions, logger: Logger, metrics: PlatformMetrics, pool: Pool) =>
        new OutboxBacklogMonitor(pool, { maxAgeSeconds: options.config.OUTBOX_AGE_ALERT_SECONDS }, metrics, logger.child({ component: 'outbox-backlog' })),
    },
  ];
}

/**
 * The relay's connections: one per relay worker (OUTBOX_RELAY_CONCURRENCY per broker), one for
 * LISTEN, one for the outbox janitor, one for gauges and readiness, one for operator queries.
 */
function relayPool(options: PlatformOptions, logger: Logger): Pool {
  const { config, service } = options;
  const brokers = Number(options.rabbitmq) + Number(options.kafka);
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: config.OUTBOX_RELAY_CONCURRENCY * brokers + 4,
    connectionTimeoutMillis: 5_000,
    application_name: `${service}-relay`,
    // pg closes a connection idle for 10 s by default; at a few orders a second the relay then
    // paid a new backend (about 20 ms) on most wake-ups. An open idle connection costs nothing.
    idleTimeoutMillis: 300_000,
  });
  pool.on('error', (error) => logger.warn({ err: describeError(error) }, 'idle relay connection failed'));
  return pool;
}

function redisClient(options: PlatformOptions, logger: Logger): Redis {
  const redis = new Redis(options.config.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 500, 5_000),
  });
  let down = false;
  redis.on('error', (error) => {
    if (!down) logger.warn({ err: describeError(error) }, 'redis unavailable; inbox checks go to the database');
    down = true;
  });
  redis.on('ready', () => (down = false));
  return redis;
}

/** The consumers' connections: one per subscription, since each handles one batch at a time, and one for a replay's reset. */
function consumerDatabase(options: PlatformOptions, logger: Logger): SqlDatabase {
  const subscriptions = (options.rabbitQueues?.length ?? 0) + (options.kafkaGroup ? 1 : 0);
  return new SqlDatabase({
    name: `${options.service}-consumers`,
    connectionString: options.config.DATABASE_URL,
    maxConnections: subscriptions + 1,
    acquireTimeoutMs: 10_000,
    statementTimeoutMs: 60_000,
    onIdleError: (error) => logger.warn({ err: describeError(error) }, 'idle consumer connection failed'),
    onAfterCommitError: (error) => logger.error({ err: describeError(error) }, 'an after-commit hook failed (the transaction committed)'),
  });
}

/**
 * Each consumed queue with its prefetch (the topology's, unless RABBITMQ_PREFETCH_PER_QUEUE overrides it), its linger
 * (EVENT_LINGER_MS for the queues the topology says may linger) and retry policy.
 */
function rabbitConsumers(options: PlatformOptions): RabbitQueueConsumer[] {
  const topology = options.rabbitTopology ?? rabbitTopology;
  return (options.rabbitQueues ?? []).map((queue) => {
    const declared = topology.queues.find(({ name }) => name === queue);
    if (!declared) throw new Error(`the ${options.service} service consumes ${queue}, which the topology does not declare`);
    return {
      queue,
      prefetch: options.config.RABBITMQ_PREFETCH_PER_QUEUE[queue] ?? declared.prefetch,
      lingerMs: declared.lingers ? options.config.EVENT_LINGER_MS : 0,
      retry: options.retryPolicies?.[queue] ?? RetryPolicy.intervals(...options.config.RABBITMQ_RETRY_DELAYS_MS),
    };
  });
}

/** The topology it declares includes each consumed queue's retry queues, one per interval of its policy. */
function rabbitConnection(options: PlatformOptions, logger: Logger, consumers: readonly RabbitQueueConsumer[], pool: Pool): RabbitConnection | null {
  if (!options.rabbitmq) return null;
  const topology = withDelayQueues(
    options.rabbitTopology ?? rabbitTopology,
    retryQueues(consumers.map(({ queue, retry }) => ({ queue, intervalsMs: retry.intervalsMs }))),
  );
  const log = logger.child({ component: 'rabbitmq' });
  const connection = new RabbitConnection({ urls: options.config.RABBITMQ_URL, connectionName: `${options.service}-service`, topology }, log);
  connection.onConnected(new DelayQueueRegistry(pool, topology.delayQueues, log).onConnected);
  return connection;
}

function kafkaRuntime(options: PlatformOptions, logger: Logger, metrics: PlatformMetrics): KafkaRuntime | null {
  if (!options.kafka) return null;
  const { config, service } = options;
  const { KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS, KAFKA_LAG_ALERT_THRESHOLD, KAFKA_LAG_CHECK_INTERVAL_MS, KAFKA_RETRY_DELAYS_MS } = config;
  if (!KAFKA_BROKERS || !KAFKA_TOPIC_PARTITIONS || !KAFKA_LAG_ALERT_THRESHOLD || !KAFKA_LAG_CHECK_INTERVAL_MS || !KAFKA_RETRY_DELAYS_MS) {
    throw new Error(`the ${service} service uses Kafka but its config schema has no KAFKA_* variables`);
  }
  // Retried in place, so the partition waits: by default transient pauses of at most 10 s, heartbeating meanwhile.
  const group: KafkaGroupOptions | null = options.kafkaGroup
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
  return new KafkaRuntime(
    createKafka({ clientId: `${service}-service`, brokers: KAFKA_BROKERS }, logger),
    { ...config, KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS, KAFKA_LAG_ALERT_THRESHOLD, KAFKA_LAG_CHECK_INTERVAL_MS, KAFKA_RETRY_DELAYS_MS },
    group,
    logger,
    metrics,
    group ? lagAlertLeadership(options, group.groupId, logger, metrics) : undefined,
  );
}

/** One instance of the service alerts on its group's lag (see AdvisoryLockLeadership). */
function lagAlertLeadership(options: PlatformOptions, groupId: string, logger: Logger, metrics: PlatformMetrics): AdvisoryLockLeadership {
  const task = `kafka-lag:${groupId}`;
  metrics.leadership(task, false);
  return new AdvisoryLockLeadership(options.config.DATABASE_URL, task, (leading, lostBecause) => {
    metrics.leadership(task, leading);
    if (lostBecause) logger.warn({ err: describeError(lostBecause) }, 'no longer alerting on kafka lag: the database connection broke');
  });
}

/** One Nest transport per broker the service uses; Nest starts them (startMessageTransports). */
function messageTransports(
  options: PlatformOptions,
  logger: Logger,
  metrics: PlatformMetrics,
  inbox: IdempotentConsumer,
  outbox: OutboxWriter,
  rabbit: RabbitConnection | null,
  rabbitQueues: readonly RabbitQueueConsumer[],
  kafka: KafkaRuntime | null,
): BatchTransport[] {
  const transportOptions: BatchTransportOptions = {
    service: options.service,
    carried: carriedTypes(options.rabbitTopology ?? rabbitTopology, options.rabbitQueues ?? [], options.kafkaGroup ?? null),
    inbox,
    outbox,
    logger,
    metrics,
  };
  const transports: BatchTransport[] = [];
  if (rabbit) transports.push(new RabbitMqTransport(rabbit, rabbitQueues, transportOptions));
  if (kafka) transports.push(new KafkaTransport(kafka, options.kafkaGroup?.groupId ?? null, transportOptions));
  return transports;
}

/** Built with the other resources, started once the transports have opened the connections it publishes on (see runService). */
function outboxRelay(
  options: PlatformOptions,
  logger: Logger,
  metrics: PlatformMetrics,
  pool: Pool,
  rabbit: RabbitConnection | null,
  kafka: KafkaRuntime | null,
): OutboxRelay {
  const { config } = options;
  const publishers: MessagePublisher[] = [];
  if (rabbit) publishers.push(new RabbitPublisher(rabbit, logger.child({ component: 'rabbitmq' })));
  if (kafka) publishers.push(kafka.publisher);
  return new OutboxRelay(
    pool,
    publishers,
    {
      batchSize: config.OUTBOX_BATCH_SIZE,
      concurrency: config.OUTBOX_RELAY_CONCURRENCY,
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      // Kafka carries the event logs, which no saga waits on; RabbitMQ carries its commands and replies.
      lingerMs: { kafka: config.EVENT_LINGER_MS },
      retry: RetryPolicy.exponential({ initialMs: 500, maxMs: 60_000, maxAttempts: config.OUTBOX_MAX_ATTEMPTS }),
      retentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000,
    },
    logger.child({ component: 'outbox-relay' }),
    metrics,
  );
}
