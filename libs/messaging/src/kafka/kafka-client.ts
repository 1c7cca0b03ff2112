import { type Admin, Kafka, KafkaJSProtocolError, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaTopicSpec } from '../topology';
import './kafkajs-idle-loop-fix';
import { deadLetterTopicOf } from '../topology';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
}

/** kafkajs talks through the service's own structured logger, warnings and up. */
export function createKafka(options: KafkaClientOptions, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (level <= logLevel.ERROR) kafkaLogger.error(extra, message);
        else kafkaLogger.warn(extra, message);
      },
  });
}

/**
 * Creates the platform's topics and their dead-letter topics with the configured partition count and
 * the broker's default replication factor (`default.replication.factor`: 1 on a single broker, the
 * cluster's own on Kubernetes, where the Topic Operator declares the same topics and may be first).
 * Auto-creation is off on the broker, so this and the Topic Operator are the only ways a topic comes to exist.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly Pick<KafkaTopicSpec, 'topic'>[],
  partitions: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = topics.flatMap(({ topic }) => [topic, deadLetterTopicOf(topic)]);
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: false,
        // Without a replication factor kafkajs asks for -1: the broker's default.
        topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
      });
      await untilEveryPartitionLeads(admin, missing);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * kafkajs's own wait (waitForLeaders) asks one broker, and gives up when that broker has not heard
 * of the new topic yet: on a cluster its metadata reaches the other nodes some milliseconds later.
 */
async function untilEveryPartitionLeads(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics });
      if (described.every(({ partitions }) => partitions.length > 0 && partitions.every(({ leader }) => leader >= 0))) return;
    } catch (error) {
      if (!(error instanceof KafkaJSProtocolError && error.retriable) || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`the new topics ${topics.join(', ')} have partitions without a leader after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
