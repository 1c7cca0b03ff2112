import { type Admin, type Consumer as KafkaJsConsumer, type Kafka, type ProducerConfig } from 'kafkajs';
import pino from 'pino';
// The platform's Kafka client: its retry settings, and kafkajs's idle timers patched (applied on import).
import { createKafka } from '../../libs/messaging/src/kafka/kafka-client';
import type { Consumer, ConsumerHandlers, Producer } from './client';
import type { KafkaConfiguration } from './configurations';
import type { CheckResult } from './report';

export const KAFKA_HOST = '127.0.0.1';
export const KAFKA_PORT = 9092;

// Errors only: kafkajs's notices (its v2 partitioner, limited idempotent retries) would bury the measurements.
const kafkaClient = (clientId: string): Kafka => createKafka({ clientId, brokers: [`${KAFKA_HOST}:${KAFKA_PORT}`] }, pino({ level: 'error' }));

/** The idempotent configurations are libs/messaging's KafkaPublisher as it was when the figures in the README were measured; acks=1 drops idempotence (kafkajs requires acks=all for it). */
function producerConfig(configuration: KafkaConfiguration): ProducerConfig {
  return configuration.idempotent
    ? { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3_000 } }
    : { allowAutoTopicCreation: false };
}

export async function openKafkaProducer(configuration: KafkaConfiguration, topic: string): Promise<Producer> {
  const producer = kafkaClient(`${topic}.producer`).producer(producerConfig(configuration));
  await producer.connect();
  return {
    send: async (messages) => {
      await producer.send({ topic, acks: configuration.acks, messages: messages.map((value) => ({ value })) });
    },
    close: () => producer.disconnect(),
  };
}

/** A group member as the platform's consumers are one: the same session settings, a batch at a time, offsets resolved per batch. */
export async function openKafkaConsumer(topic: string, handlers: ConsumerHandlers): Promise<Consumer> {
  const consumer = kafkaClient(`${topic}.consumer`).consumer({ groupId: `${topic}.consumer`, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  consumer.on(consumer.events.CRASH, ({ payload }) => handlers.onFailure(payload.error));
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const message of batch.messages) {
        if (!message.value) throw new Error(`a message without a value at offset ${message.offset} of ${topic}`);
        handlers.onMessage(message.value);
      }
      if (batch.messages.length > 0) resolveOffset(batch.messages[batch.messages.length - 1].offset);
      await heartbeat();
    },
  });
  // Sending starts only once the partition is assigned, so no latency includes the group's join.
  await joined;
  return { close: () => consumer.disconnect() };
}

/** The benchmark's side of Kafka: its topics, and the markers of the survival and replay checks. */
export class KafkaAdmin {
  private constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
  ) {}

  static async connect(): Promise<KafkaAdmin> {
    const kafka = kafkaClient('bench.brokers.admin');
    const admin = kafka.admin();
    await admin.connect();
    return new KafkaAdmin(kafka, admin);
  }

  /** One partition: one consumer reads it, as one consumer reads one RabbitMQ queue or one Redis stream. */
  async createTopic(topic: string): Promise<void> {
    await this.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const ours = topics.filter((topic) => existing.has(topic));
    if (ours.length > 0) await this.admin.deleteTopics({ topics: ours });
  }

  /** Topics of an earlier run that was interrupted before it could delete them. */
  async deleteTopicsStartingWith(prefix: string): Promise<void> {
    const leftovers = (await this.admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (leftovers.length > 0) await this.admin.deleteTopics({ topics: leftovers });
  }

  /** One message sent with the configuration's producer settings; the send returns once the configuration's acks say so. */
  async leaveMarker(configuration: KafkaConfiguration, topic: string, marker: string): Promise<void> {
    await this.createTopic(topic);
    const producer = this.kafka.producer(producerConfig(configuration));
    await producer.connect();
    try {
      await producer.send({ topic, acks: configuration.acks, messages: [{ value: marker }] });
    } finally {
      await producer.disconnect();
    }
  }

  /** Reads the topic from its first offset with a group of its own, looking for the marker. */
  async findMarker(topic: string, marker: string, timeoutMs: number): Promise<CheckResult> {
    const found = await this.readFromStart(topic, `${topic}.check.${Date.now()}`, marker, timeoutMs);
    return found ? { outcome: 'yes', detail: 'the marker was read again after the restart' } : { outcome: 'no', detail: `the marker was not in the topic within ${timeoutMs / 1000} s` };
  }

  /** Sends one message, consumes it with one group (committing its offset), then reads it again with a new group from the start. */
  async checkReplay(configuration: KafkaConfiguration, topic: string): Promise<CheckResult> {
    const marker = `replay ${topic} ${Date.now()}`;
    await this.leaveMarker(configuration, topic, marker);
    const firstGroup = `${topic}.first`;
    if (!(await this.readFromStart(topic, firstGroup, marker, 30_000))) throw new Error(`the replay marker never reached ${topic}`);
    const [committed] = await this.admin.fetchOffsets({ groupId: firstGroup, topics: [topic] });
    const committedOffset = committed?.partitions[0]?.offset ?? 'none';
    const again = await this.readFromStart(topic, `${topic}.again`, marker, 30_000);
    return again
      ? {
          outcome: 'yes',
          detail: `consumed by one group (committed offset ${committedOffset}), then read again by a new group from the earliest offset; a seek to an earlier offset works the same`,
        }
      : { outcome: 'no', detail: 'a new group from the earliest offset did not see the consumed message' };
  }

  close(): Promise<void> {
    return this.admin.disconnect();
  }

  private async readFromStart(topic: string, groupId: string, marker: string, timeoutMs: number): Promise<boolean> {
    const consumer: KafkaJsConsumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      return await new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
        consumer
          .run({
            eachMessage: async ({ message }) => {
              if (message.value?.toString() !== marker) return;
              clearTimeout(timer);
              resolve(true);
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  }
}
