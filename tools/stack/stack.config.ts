import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []));
export const RUN_DIR = path.join(ROOT, '.run');
export const LOG_DIR = path.join(RUN_DIR, 'logs');
export const STATE_FILE = path.join(RUN_DIR, 'stack.json');

export interface ServiceSpec {
  readonly name: 'order' | 'inventory' | 'payment' | 'notification' | 'points';
  readonly port: number;
}

/** The five services, in the order they are started (participants before the orchestrator). */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'inventory', port: 3001 },
  { name: 'payment', port: 3002 },
  { name: 'notification', port: 3003 },
  { name: 'points', port: 3004 },
  { name: 'order', port: 3000 },
];

/** The operations console: started before the services, so it receives their spans from the first. */
export interface ConsoleSpec {
  readonly name: 'console';
  readonly port: number;
}

export const CONSOLE: ConsoleSpec = { name: 'console', port: 3005 };

export type AppSpec = ServiceSpec | ConsoleSpec;

export function serviceEntry(service: AppSpec): string {
  return path.join(ROOT, 'dist', 'apps', service.name, 'src', 'main.js');
}

/** The server the per-service databases live on; DATABASE_ADMIN_URL overrides it. */
export function adminDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/**
 * Database per service, on the same server: <service>_service, or <service>_service_<instance>
 * for a separate instance of the platform (see `instanceEnvironment`).
 */
export function serviceDatabaseUrl(service: Pick<ServiceSpec, 'name'>, env: NodeJS.ProcessEnv = process.env): string {
  const url = new URL(adminDatabaseUrl(env));
  url.pathname = `/${service.name}_service${env.PLATFORM_INSTANCE ? `_${env.PLATFORM_INSTANCE}` : ''}`;
  return url.toString();
}

/** The separate instances of the platform, each with its own HTTP ports (the contract's + offset) and Redis database. */
const INSTANCES = {
  /** The e2e suites' own platform, when `npm start`'s is not running. */
  e2e: { portOffset: 100, redisDatabase: 1, kafkaBrokers: '127.0.0.1:19092' },
  /** The broker-cluster suite's platform, whose brokers it starts itself (see broker-clusters.ts). */
  clusters: { portOffset: 200, redisDatabase: 2, kafkaBrokers: '127.0.0.1:19192' },
} as const;

/**
 * The environment of a separate instance of the platform on the same servers, so that what it
 * declares, stores and publishes is never seen by `npm start`'s: its own HTTP ports (3100-3105 for
 * "e2e", 3200-3205 for "clusters"), databases, RabbitMQ vhost, Redis database and Kafka broker (a
 * second one, on its own port and storage, because a topic or consumer group on a shared broker
 * would be shared), and its own console.
 */
export function instanceEnvironment(instance: keyof typeof INSTANCES): NodeJS.ProcessEnv {
  const { portOffset, redisDatabase, kafkaBrokers } = INSTANCES[instance];
  return {
    PLATFORM_INSTANCE: instance,
    ...Object.fromEntries([...SERVICES, CONSOLE].map((service) => [`${service.name.toUpperCase()}_PORT`, String(service.port + portOffset)])),
    RABBITMQ_URL: `amqp://guest:guest@127.0.0.1:5672/${instance}`,
    REDIS_URL: `redis://127.0.0.1:6379/${redisDatabase}`,
    KAFKA_BROKERS: kafkaBrokers,
  };
}

export function servicePort(service: AppSpec, env: NodeJS.ProcessEnv = process.env): number {
  return Number(env[`${service.name.toUpperCase()}_PORT`] ?? service.port);
}
