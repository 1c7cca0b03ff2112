import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { describeError } from '../errors';
import { metadataHeaders, type OutboundMessage } from '../message';
import type { MessagePublisher, PublishResult } from '../publisher';
import { PartitionReceipts } from './partition-receipts';

/**
 * The idempotent producer with acks=all: the broker deduplicates the producer's own retries, and
 * a batch counts as sent only when every in-sync replica has it (on a single broker, the one
 * replica; on the three-node cluster, with min.insync.replicas=2, at least two). Messages are keyed by their
 * destination key (the order id), so one order's events land in one partition, in order.
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
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // About 15 s of retries, longer than a cluster takes to lead a dead broker's partitions elsewhere
      // (broker.session.timeout.ms, 9 s). Within them kafkajs resends only what was not acknowledged,
      // under the same sequence numbers, which the new leader deduplicates. Given up sooner, the relay
      // would resend the whole batch, and partitions the batch had reached would log it twice (with
      // retries: 5, seen on the three-node cluster: two messages logged twice when a leader was killed).
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3_000 },
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
   * kafkajs numbers each partition's batches and moves the number on only when a batch is
   * acknowledged. A batch it gave up on may still have been written (the leader died before
   * answering); the next batch then goes out under the same numbers. The broker refuses it as out
   * of order when its length differs, for ever after (on the three-node cluster the relay resent
   * one event eight times), or, when its length matches, takes it for a retry of the written one and
   * acknowledges it without writing it: an order.placed acknowledged, marked sent, and never in the
   * log. So after any failure the producer is replaced: a new producer id starts its numbers
   * afresh, and the batch is written when the relay sends it again (twice, if the first did land:
   * the inboxes take it once). A message the broker truly refuses fails again, and spends the
   * relay's attempts as before.
   */
  private async replaceProducer(broken: Producer, reason: string): Promise<void> {
    // Another worker's batch failed on the same producer and has replaced it already.
    if (this.producer !== broken) return;
    this.producer = this.newProducer();
    this.connected = false;
    this.ready = null;
    this.replaced.add(broken);
    this.logger.warn({ reason }, 'kafka producer replaced: after this failure its sequence numbers may not match the broker\'s');
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
      // Those messages may yet have reached the leader that died: a new producer id keeps the next batch from being taken for them.
      await this.replaceProducer(producer, reason);
      this.logger.warn({ messages: messages.length, missing: missing.size }, reason);
      return sent.map(({ message }) => (missing.has(message) ? { ok: false, error: reason, brokerUnavailable: true } : { ok: true }));
    } catch (error) {
      const reason = describeError(error);
      const brokerUnavailable = hasProducerStateError(error) || isBrokerTrouble(error);
      // After every failure: even a refusal that names the records (INVALID_RECORD, seen on the cluster
      // after a leader moved) came back on every later batch until the producer was replaced.
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

/** The broker no longer accepts this producer's sequence numbers or id: only a new producer gets past it. */
const PRODUCER_STATE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

function hasProducerStateError(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) {
    if (PRODUCER_STATE_ERRORS.has((cause as { type?: string }).type ?? '')) return true;
  }
  return false;
}
