import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { describeError } from '../errors';
import { metadataHeaders, type OutboundMessage } from '../message';
import type { MessagePublisher, PublishResult } from '../publisher';
import { PartitionReceipts } from './partition-receipts';

/**
 * A producer with acks=all: a batch counts as sent only when every in-sync replica has it (on a
 * single broker, the one replica; on the three-node cluster, with min.insync.replicas=2, at least
 * two). Messages are keyed by their destination key (the order id), so one order's events land in
 * one partition, in order; the relay holds an order's later rows back until its earlier ones are sent.
 *
 * The relay is the only one that retries. kafkajs makes one attempt per batch and is not idempotent:
 * its idempotent producer numbers each partition's batches and, on a retry, resends under numbers
 * that batches sent meanwhile by the relay's other worker may have taken. On the three-node cluster,
 * as a partition's leader moved, two order.placed events were acknowledged that way and never
 * written. Without sequence numbers the broker has nothing to mistake a batch for: what the relay
 * sends again after a failure is written again, and a copy of a batch that did land is absorbed by
 * the consumers' inboxes.
 */
export class KafkaPublisher implements MessagePublisher {
  readonly broker = 'kafka' as const;
  private producer: Producer;
  private connected = false;
  /** The current producer's connect, once: it resolves only when the producer has its id. */
  private ready: Promise<void> | null = null;
  /** Where each message was sent, to check that the broker answered for it. */
  private readonly receipts = new PartitionReceipts();
  /** Sends under way on each producer: the relay's workers share the publisher, and a replaced producer closes after its last. */
  private readonly sendsUnderWay = new Map<Producer, number>();
  private readonly replaced = new WeakSet<Producer>();

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
  ) {
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    const producer = this.kafka.producer({
      idempotent: false,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 0 },
      createPartitioner: this.receipts.createPartitioner,
    });
    producer.on('producer.disconnect', () => {
      if (this.producer === producer) this.connected = false;
    });
    producer.on('producer.connect', () => {
      if (this.producer === producer) this.connected = true;
    });
    return producer;
  }

  /**
   * After any failure the producer is replaced, with fresh connections and metadata. On the
   * three-node cluster a refusal that named the records (INVALID_RECORD, after a leader moved) came
   * back on every later batch until it was. A message the broker truly refuses fails again, and
   * spends the relay's attempts as before.
   */
  private async replaceProducer(broken: Producer, reason: string): Promise<void> {
    // Another worker's batch failed on the same producer and has replaced it already.
    if (this.producer !== broken) return;
    this.producer = this.newProducer();
    this.connected = false;
    this.ready = null;
    this.replaced.add(broken);
    this.logger.warn({ reason }, 'kafka producer replaced after a failure');
    if (!this.sendsUnderWay.has(broken)) await this.close(broken);
  }

  /** `send` on `producer`, counted, so that a producer replaced meanwhile is closed only after its last send. */
  private async sendingOn<T>(producer: Producer, send: () => Promise<T>): Promise<T> {
    this.sendsUnderWay.set(producer, (this.sendsUnderWay.get(producer) ?? 0) + 1);
    try {
      return await send();
    } finally {
      const left = this.sendsUnderWay.get(producer)! - 1;
      if (left > 0) this.sendsUnderWay.set(producer, left);
      else {
        this.sendsUnderWay.delete(producer);
        if (this.replaced.has(producer)) await this.close(producer);
      }
    }
  }

  private close(producer: Producer): Promise<void> {
    return producer.disconnect().catch((error: unknown) => this.logger.debug({ err: describeError(error) }, 'the replaced kafka producer was already closing'));
  }

  /** The current producer, connected; it may have been replaced while connecting, so ask again until it holds. */
  private async connectedProducer(): Promise<Producer> {
    for (;;) {
      const producer = this.producer;
      await this.connect();
      if (this.producer === producer) return producer;
    }
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /**
   * Connects the current producer once, for every caller. kafkajs announces 'connect' before the
   * producer has its id; a batch sent in that gap skipped kafkajs's per-broker lock and then
   * released it (TypeError: reading 'release'), failing a batch the broker had written.
   */
  connect(): Promise<void> {
    if (!this.ready) {
      const ready = this.producer.connect().catch((error: unknown) => {
        if (this.ready === ready) this.ready = null;
        throw error;
      });
      this.ready = ready;
    }
    return this.ready;
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  async publish(messages: readonly OutboundMessage[]): Promise<PublishResult[]> {
    const sent: { topic: string; message: Message }[] = [];
    for (const message of messages) {
      const { destination } = message;
      if (destination.broker !== 'kafka') {
        return messages.map(() => ({ ok: false, error: `not a Kafka destination: ${destination.broker}` }));
      }
      sent.push({
        topic: destination.topic,
        message: {
          key: destination.key,
          value: JSON.stringify(message.payload),
          headers: { ...metadataHeaders(message), 'content-type': 'application/json' },
          timestamp: String(Date.parse(message.occurredAt)),
        },
      });
    }
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of sent) {
      const batch = byTopic.get(topic);
      if (batch) batch.push(message);
      else byTopic.set(topic, [message]);
    }
    let producer = this.producer;
    try {
      producer = await this.connectedProducer();
      const answers = await this.sendingOn(producer, () =>
        producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, batch]) => ({ topic, messages: batch })) }),
      );
      const missing = this.receipts.unacknowledged(sent, answers);
      if (missing.size === 0) return messages.map(() => ({ ok: true }));
      const reason = `kafka acknowledged the batch without the partition of ${missing.size} of its ${sent.length} messages`;
      await this.replaceProducer(producer, reason);
      this.logger.warn({ messages: messages.length, missing: missing.size }, reason);
      return sent.map(({ message }) => (missing.has(message) ? { ok: false, error: reason, brokerUnavailable: true } : { ok: true }));
    } catch (error) {
      const reason = describeError(error);
      const brokerUnavailable = isBrokerTrouble(error);
      await this.replaceProducer(producer, reason);
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
