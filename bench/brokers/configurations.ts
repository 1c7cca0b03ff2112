/**
 * The eight ways of carrying a message that the broker benchmark compares, three brokers with the
 * client this platform uses for each (amqplib, kafkajs, ioredis). Each is measured the same way;
 * only what is written here differs between them.
 */
export type BrokerName = 'rabbitmq' | 'kafka' | 'redis';

interface Common {
  /** Names its queue, topic or stream, and selects it in BENCH_BROKER_CONFIGS. */
  readonly name: string;
  readonly label: string;
  /** The most messages one send carries: at saturation every send is this full, at a fixed rate it holds what is due. */
  readonly batchSize: number;
}

export interface RabbitMqConfiguration extends Common {
  readonly broker: 'rabbitmq';
  readonly queueType: 'classic' | 'quorum';
  readonly durableQueue: boolean;
  readonly persistentMessages: boolean;
  /** Publisher confirms: a send is done when the broker has confirmed each of its messages. */
  readonly confirms: boolean;
  /** Manual ack (one multiple-ack per batch of deliveries, as the platform's consumers ack), or auto-ack. */
  readonly manualAck: boolean;
}

export interface KafkaConfiguration extends Common {
  readonly broker: 'kafka';
  readonly acks: 1 | -1;
  /** The idempotent producer, one request in flight, as libs/messaging's KafkaPublisher had it until it left every retry to the relay. */
  readonly idempotent: boolean;
}

export interface RedisConfiguration extends Common {
  readonly broker: 'redis';
  /** as-is: whatever persistence the running server has; aof-everysec: AOF turned on for this configuration. */
  readonly persistence: 'as-is' | 'aof-everysec';
}

export type Configuration = RabbitMqConfiguration | KafkaConfiguration | RedisConfiguration;

/** The outbox relay publishes up to 200 rows per call; a batched configuration sends as many per send. */
export const BATCH_SIZE = 200;
/** The platform's work-queue prefetch window (libs/messaging/src/topology.ts). */
export const RABBITMQ_PREFETCH = 250;

export const CONFIGURATIONS: readonly Configuration[] = [
  {
    name: 'rabbitmq-transient',
    label: 'RabbitMQ classic queue, transient, auto-ack',
    broker: 'rabbitmq',
    batchSize: BATCH_SIZE,
    queueType: 'classic',
    durableQueue: false,
    persistentMessages: false,
    confirms: false,
    manualAck: false,
  },
  {
    name: 'rabbitmq-durable',
    label: 'RabbitMQ classic queue, durable + persistent, confirms, manual ack',
    broker: 'rabbitmq',
    batchSize: BATCH_SIZE,
    queueType: 'classic',
    durableQueue: true,
    persistentMessages: true,
    confirms: true,
    manualAck: true,
  },
  {
    name: 'rabbitmq-quorum',
    label: 'RabbitMQ quorum queue, confirms, manual ack (the platform)',
    broker: 'rabbitmq',
    batchSize: BATCH_SIZE,
    queueType: 'quorum',
    durableQueue: true,
    persistentMessages: true,
    confirms: true,
    manualAck: true,
  },
  { name: 'kafka-acks1', label: 'Kafka acks=1, batched', broker: 'kafka', batchSize: BATCH_SIZE, acks: 1, idempotent: false },
  {
    name: 'kafka-acks-all',
    label: 'Kafka acks=all, idempotent, batched',
    broker: 'kafka',
    batchSize: BATCH_SIZE,
    acks: -1,
    idempotent: true,
  },
  {
    name: 'kafka-unbatched',
    label: 'Kafka acks=all, idempotent, one message per send',
    broker: 'kafka',
    batchSize: 1,
    acks: -1,
    idempotent: true,
  },
  {
    name: 'redis-as-is',
    label: "Redis Streams, the server's persistence as it is",
    broker: 'redis',
    batchSize: BATCH_SIZE,
    persistence: 'as-is',
  },
  {
    name: 'redis-aof',
    label: 'Redis Streams, AOF appendfsync everysec',
    broker: 'redis',
    batchSize: BATCH_SIZE,
    persistence: 'aof-everysec',
  },
];

export function configurationNamed(name: string): Configuration {
  const configuration = CONFIGURATIONS.find((candidate) => candidate.name === name);
  if (!configuration) throw new Error(`no broker configuration named "${name}"; known: ${CONFIGURATIONS.map((known) => known.name).join(', ')}`);
  return configuration;
}

/** Every queue, topic and stream the benchmark makes starts with this, so none can be the platform's. */
export const DESTINATION_PREFIX = 'bench.brokers.';

/**
 * bench.brokers.<configuration>.<purpose>.<run>: a name of its own per run, so a topic still being
 * deleted after an interrupted run never collides with this run's.
 */
export const destinationName = (configuration: Configuration, purpose: string, runId: string) => `${DESTINATION_PREFIX}${configuration.name}.${purpose}.${runId}`;
