import { Queues } from '@platform/messaging';
import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number between ${min} and ${max}` })
    .int({ error: `must be a whole number between ${min} and ${max}` })
    .min(min, { error: `must be a whole number between ${min} and ${max}` })
    .max(max, { error: `must be a whole number between ${min} and ${max}` });

export const envInt = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => wholeNumber(min, max).default(fallback);

/** A whole number that is absent unless set. */
export const optionalEnvInt = (min: number, max = Number.MAX_SAFE_INTEGER) => wholeNumber(min, max).optional();

const url = (protocols: string[], fallback: string) => {
  const rule = `must be a URL starting with ${protocols.map((protocol) => `${protocol}://`).join(' or ')}`;
  return z
    .url({ error: rule })
    .refine((value) => protocols.some((protocol) => value.startsWith(`${protocol}://`)), { error: rule })
    .default(fallback);
};

/** Where a list of URLs is cut: only before the next URL's scheme, so a comma inside a password stays in it. */
const BEFORE_NEXT_URL = /,(?=\s*[a-z][\w+.-]*:\/\/)/i;

/**
 * One URL, or several separated by commas: the nodes of one cluster, tried in turn. Each is held
 * to the same rule as a single URL; the refusal quotes the whole list, each URL without its credentials.
 */
const urlList = (protocols: string[], fallback: string) => {
  const single = url(protocols, fallback).unwrap();
  return z
    .string()
    .default(fallback)
    .transform((value) => value.split(BEFORE_NEXT_URL).map((entry) => entry.trim()))
    .pipe(z.array(single).min(1));
};

const prefetchRule = `must be a comma-separated list of <queue>=<1..10000>, where <queue> is one of ${Object.values(Queues).join(', ')}`;

const prefetchPerQueue = z
  .string()
  .default('')
  .transform((value, context) => {
    const overrides: Record<string, number> = {};
    for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
      const parts = entry.split('=').map((part) => part.trim());
      const [queue, count] = parts;
      const prefetch = Number(count);
      if (
        parts.length !== 2 ||
        !(Object.values(Queues) as string[]).includes(queue) ||
        !Number.isInteger(prefetch) ||
        prefetch < 1 ||
        prefetch > 10_000
      ) {
        context.addIssue({ code: 'custom', message: prefetchRule });
        return z.NEVER;
      }
      overrides[queue] = prefetch;
    }
    return overrides;
  });

/** Up to ten pauses in milliseconds, comma-separated: a consumer's attempts at a failed message are one more. */
const retryDelays = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((delay) => Number(delay.trim())))
    .pipe(
      z
        .array(z.number().int().min(1).max(86_400_000), { error: 'must be a comma-separated list of milliseconds' })
        .min(1)
        .max(10),
    );

/** The variables every service reads. Defaults are the local services on this machine. */
export function serviceConfigSchema(service: string, port: number) {
  return z.object({
    PORT: envInt(port, 1, 65_535),
    DATABASE_URL: url(['postgresql', 'postgres'], `postgresql://postgres@127.0.0.1:5432/${service}_service`),
    /** A broker, or the nodes of a cluster, comma-separated: a lost connection is retried on the next. */
    RABBITMQ_URL: urlList(['amqp', 'amqps'], 'amqp://guest:guest@127.0.0.1:5672'),
    REDIS_URL: url(['redis', 'rediss'], 'redis://127.0.0.1:6379'),
    LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).default('info'),
    /** When set, admin endpoints require the X-API-Key header. */
    API_KEY: z.string().min(32, { error: 'must be at least 32 characters when set' }).optional(),
    /** Requests per client (IP address) per minute before 429; unset for no limit. Counted in Redis, shared by instances. */
    RATE_LIMIT_PER_MINUTE: optionalEnvInt(1, 10_000_000),
    /** Where the HTTP server listens; an address other than loopback needs API_KEY (see loadConfig). */
    HOST: z.string().min(1, { error: 'must be an address to listen on' }).default('127.0.0.1'),
    /** Overrides the prefetch a queue's consumer gets from the topology, e.g. `notification.sms=2`. */
    RABBITMQ_PREFETCH_PER_QUEUE: prefetchPerQueue,
    /**
     * Retired. Refused rather than ignored: an object schema drops unknown keys, so a deployment
     * still setting it would otherwise run with prefetches it never asked for, without a word.
     */
    RABBITMQ_PREFETCH: z.never({ error: 'was replaced by RABBITMQ_PREFETCH_PER_QUEUE (e.g. notification.sms=2)' }).optional(),
    /** The retry ladder of every consumed queue: how long a failed message waits before each new try. */
    RABBITMQ_RETRY_DELAYS_MS: retryDelays('1000,5000,30000'),
    /**
     * How long a batch of messages no saga waits on may gather before it is handled or published:
     * the event and e-mail queues' consumers, and the outbox relay's Kafka workers. 0: at once.
     */
    EVENT_LINGER_MS: envInt(250, 0, 10_000),
    OUTBOX_BATCH_SIZE: envInt(200, 1, 10_000),
    OUTBOX_RELAY_CONCURRENCY: envInt(2, 1, 16),
    OUTBOX_POLL_INTERVAL_MS: envInt(30_000, 10, 600_000),
    OUTBOX_MAX_ATTEMPTS: envInt(10, 1, 1_000),
    OUTBOX_RETENTION_HOURS: envInt(24, 1, 24 * 365),
    /** The outbox backlog alert is raised while the oldest unpublished message is older than this. */
    OUTBOX_AGE_ALERT_SECONDS: envInt(30, 1, 7 * 86_400),
    INBOX_CACHE_TTL_SECONDS: envInt(86_400, 1, 30 * 86_400),
    /** How long an inbox row is kept: as long as a copy of its message may still arrive. */
    INBOX_RETENTION_HOURS: envInt(168, 1, 24 * 365),
    /** Connections of the service's own pool (handlers, relay, queries), apart from the API's. */
    DATABASE_POOL_SIZE: envInt(10, 1, 100),
    /** Connections reserved for the public API's writes (POST /orders), apart from background work. */
    API_DB_POOL_SIZE: envInt(8, 1, 100),
    /** How long an API write waits for one of them before it answers 503 with Retry-After. */
    API_DB_ACQUIRE_TIMEOUT_MS: envInt(2_000, 10, 60_000),
  });
}

/** Added by the services that use Kafka. */
export const kafkaConfigShape = {
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((broker) => broker.trim()))
    .pipe(
      z
        .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, { error: 'must be a comma-separated list of host:port' }))
        .min(1),
    ),
  KAFKA_TOPIC_PARTITIONS: envInt(3, 1, 1_000),
  /** A consumer group whose lag, over all its partitions, goes above this many messages raises an alert. */
  KAFKA_LAG_ALERT_THRESHOLD: envInt(10_000, 1),
  KAFKA_LAG_CHECK_INTERVAL_MS: envInt(5_000, 100, 600_000),
  /**
   * The consumer group's retries of a failed message, in place (the partition waits): the pause
   * before each new try. Short, since everything behind the message waits too.
   */
  KAFKA_RETRY_DELAYS_MS: retryDelays('200,400'),
  /** Where lag alerts are POSTed as JSON, besides the log and the metrics; unset for none. */
  LAG_ALERT_WEBHOOK_URL: z
    .url({ error: 'must be an http:// or https:// URL when set' })
    .refine((value) => /^https?:\/\//.test(value), { error: 'must be an http:// or https:// URL when set' })
    .optional(),
};

export type ServiceConfig = z.infer<ReturnType<typeof serviceConfigSchema>>;
export type KafkaConfig = z.infer<z.ZodObject<typeof kafkaConfigShape>>;

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * Parses the environment against the service's schema, or throws one message that names every
 * bad variable, what it must be, and what it was.
 */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const parsed = schema.safeParse(env);
  const issues = parsed.success
    ? exposedWithoutKey(parsed.data)
    : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message }));
  if (parsed.success && issues.length === 0) return parsed.data;
  const problems = issues.map(({ variable, message }) => `  ${variable}: ${message} (got ${shown(variable, env[variable])})`);
  return fail(`the ${service} service refuses to start: invalid configuration\n${problems.join('\n')}`);
}

/** Without API_KEY the admin endpoints are open, so the service may only be reachable from this machine. */
function exposedWithoutKey(config: unknown): { variable: string; message: string }[] {
  const { HOST, API_KEY } = config as { HOST?: string; API_KEY?: string };
  if (HOST === undefined || API_KEY !== undefined || isLoopback(HOST)) return [];
  return [{ variable: 'HOST', message: 'may be an address other than loopback only when API_KEY is set; without it the admin endpoints would be open to the network' }];
}

/** 127.0.0.0/8, ::1 or localhost: addresses no other machine can reach. */
export const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/** A value as an error message may show it: never a key, nor what a URL may hide in it. */
function shown(variable: string, value: string | undefined): string {
  if (value === undefined) return 'unset';
  if (variable.includes('KEY')) return '"***"';
  return `"${value.split(BEFORE_NEXT_URL).map(withoutSecrets).join(',')}"`;
}

/**
 * A URL keeps its scheme and host. Its user and password (up to the last @, since a password that
 * made it invalid may hold one), path and query (a webhook's token, ?password=) are elided.
 */
function withoutSecrets(value: string): string {
  const url = /^([a-z][\w+.-]*:\/\/)?(.*@)?([^/?#@]*)(.*)$/is.exec(value)!;
  const [, scheme = '', credentials, host, rest] = url;
  if (!scheme && !credentials) return value;
  return `${scheme}${credentials ? '***@' : ''}${host}${rest ? '/…' : ''}`;
}

function fail(message: string): never {
  throw new ConfigurationError(message);
}
