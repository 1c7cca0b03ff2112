import { instanceEnvironment, type ServiceSpec, serviceDatabaseUrl } from '../../../tools/stack/stack.config';

export type ServiceName = ServiceSpec['name'];

/** The addresses of one instance of the platform, from the variables its services are started with. */
function addressesOf(env: NodeJS.ProcessEnv) {
  const rabbitUrls = (env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(',');
  const rabbitUrl = rabbitUrls[0];
  const kafkaBrokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  return {
    /** The broker, or the first node of a cluster. */
    rabbitUrl,
    rabbitUrls,
    /** The vhost, for rabbitmqctl's -p. */
    rabbitVhost: decodeURIComponent(new URL(rabbitUrl).pathname.slice(1)) || '/',
    kafkaBrokers,
    /** The port of the local broker, which scripts/kafka.sh takes as KAFKA_PORT. */
    kafkaPort: Number(kafkaBrokers[0].split(':')[1]),
    redisDatabase: Number(new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379').pathname.slice(1) || 0),
    databaseUrl: (service: ServiceName) => serviceDatabaseUrl({ name: service }, env),
  };
}

/**
 * Where the platform under test runs: `npm start`'s, or the e2e stack's own instance, whose
 * addresses the global setup puts in process.env. Tests that reach a broker or a database
 * directly take the address from here, never a literal.
 */
export const platformUnderTest = addressesOf(process.env);

/** The instance the suites do not run against: the e2e one while they reuse `npm start`'s, and `npm start`'s otherwise. */
export const otherInstance = addressesOf(
  process.env.PLATFORM_INSTANCE
    ? { DATABASE_ADMIN_URL: process.env.DATABASE_ADMIN_URL }
    : { DATABASE_ADMIN_URL: process.env.DATABASE_ADMIN_URL, ...instanceEnvironment('e2e') },
);
