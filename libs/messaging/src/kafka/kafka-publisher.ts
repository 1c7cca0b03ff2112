import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { describeError } from '../errors';
import { metadataHeaders, type OutboundMessage } from '../message';
import type { MessagePublisher, PublishResult } from '../publisher';

/**
 * The idempotent producer with acks=all: the broker deduplicates the producer's own retries, and
 * a batch counts as sent only when every in-sync replica has it (on a single broker, the one
 * replica; on the three-node cluster, with min.insync.replicas=2, at least two). Messages are keyed by their
 * destination key (the order id), so one order's events land in one partition, in order.
 */
export class KafkaPublisher implements MessagePublisher {
  readonly broker = 'kafka' as const;
  private readonly producer: Producer;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly logger: Logger,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // About 15 s of retries, longer than a cluster takes to lead a dead broker's partitions elsewhere
      // (broker.session.timeout.ms, 9 s). Within them kafkajs resends only what was not acknowledged,
      // under the same sequence numbers, which the new leader deduplicates. Given up sooner, the relay
      // would resend the whole batch, and partitions the batch had reached would log it twice (with
      // retries: 5, seen on the three-node cluster: two messages logged twice when a leader was killed).
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3_000 },
    });
    this.producer.on('producer.disconnect', () => {
      this.connected = false;
    });
    this.producer.on('producer.connect', () => {
      this.connected = true;
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  async publish(messages: readonly OutboundMessage[]): Promise<PublishResult[]> {
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      const { destination } = message;
      if (destination.broker !== 'kafka') {
        return messages.map(() => ({ ok: false, error: `not a Kafka destination: ${destination.broker}` }));
      }
      const batch = byTopic.get(destination.topic) ?? [];
      batch.push({
        key: destination.key,
        value: JSON.stringify(message.payload),
        headers: { ...metadataHeaders(message), 'content-type': 'application/json' },
        timestamp: String(Date.parse(message.occurredAt)),
      });
      byTopic.set(destination.topic, batch);
    }
    try {
      if (!this.connected) await this.producer.connect();
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, batch]) => ({ topic, messages: batch })),
      });
      return messages.map(() => ({ ok: true }));
    } catch (error) {
      const reason = describeError(error);
      const brokerUnavailable = isBrokerTrouble(error);
      this.logger.warn({ err: reason, messages: messages.length, brokerUnavailable }, 'kafka batch not acknowledged');
      return messages.map(() => ({ ok: false, error: reason, brokerUnavailable }));
    }
  }
}

const BROKER_TROUBLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSLockTimeout',
]);

/** Failures of the cluster or the connection, as opposed to a problem with the messages themselves. */
function isBrokerTrouble(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return BROKER_TROUBLE.has(error.name) || (error as { retriable?: boolean }).retriable === true;
}
