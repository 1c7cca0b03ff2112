/** The service's Prisma client, under a name the libraries can ask for without knowing its class. */
export const SERVICE_DATABASE = Symbol('service-database');

/** The relay's pg pool, also used for gauges and operators' queries. */
export const RELAY_POOL = Symbol('relay-pool');
/** The consumers' SqlDatabase: one connection per subscription. */
export const CONSUMER_DATABASE = Symbol('consumer-database');
/** The ioredis client behind the inbox's seen-cache. */
export const REDIS = Symbol('redis');
/** The service's RabbitMQ connection, or null when it does not use RabbitMQ. */
export const RABBIT_CONNECTION = Symbol('rabbit-connection');
/** Each consumed queue with its prefetch and retry policy. */
export const RABBIT_CONSUMERS = Symbol('rabbit-consumers');
/** The dead letters of the consumed queues, or null without RabbitMQ. */
export const DEAD_LETTER_QUEUES = Symbol('dead-letter-queues');
/** The service's Kafka side, or null when it does not use Kafka. */
export const KAFKA_RUNTIME = Symbol('kafka-runtime');
/** One Nest transport per broker the service uses. */
export const MESSAGE_TRANSPORTS = Symbol('message-transports');
