import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { describeError, PermanentMessageError } from '../errors';
import { handleTogether, type TogetherOutcome } from '../batch-attempts';
import type { RetryPolicy } from '../retry-policy';
import { type BatchMetrics, decodePayload, type InboundBatchHandler, type InboundMessage, metadataFromHeaders } from '../message';
import { deadLetterTopicOf } from '../topology';
import { DeadLetterHeaders, deadLetterReason } from '../dead-letters';
import { readHeader, REDRIVEN_FOR_GROUP_HEADER } from './kafka-headers';

interface Decoded {
  readonly raw: KafkaMessage;
  readonly message: InboundMessage;
}

export interface KafkaSubscriptionOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /**
   * Attempts at a failing message, and the pauses between them, before it goes to the dead-letter
   * topic; a transient failure is retried in place at the policy's transient pace.
   */
  readonly retry: RetryPolicy;
  /** The most messages of one partition handled together in one transaction. */
  readonly maxBatchSize?: number;
  /** Whether the member should fetch nothing for now (an operator's pause); asked on every join. */
  readonly paused?: () => boolean;
}

/**
 * One consumer group member. A partition is processed in order, in chunks of the batch kafkajs
 * fetched: each chunk is handled in one transaction, and its offsets are marked consumed only
 * after that transaction committed; kafkajs commits marked offsets after each fetched batch. A
 * chunk that fails for a reason other than a transient one was rolled back, and its messages are
 * handled one at a time, so only the failing one is retried and dead-lettered.
 *
 * A message that keeps failing is retried a bounded number of times, then copied to the topic's
 * dead-letter topic with the error and its origin in headers, and the partition moves on. A
 * message that can never succeed (PermanentMessageError) goes there at once. A transient failure
 * (the database restarting, a deadlock) is retried for as long as it lasts, heartbeating so the
 * group does not think this member died: an outage must not empty the topic into its dead letters.
 */
export class KafkaSubscription {
  private readonly consumer: Consumer;
  private readonly deadLetters: Producer;
  private running = false;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaSubscriptionOptions,
    private readonly handle: InboundBatchHandler,
    private readonly logger: Logger,
    private readonly metrics?: BatchMetrics,
  ) {
    // A member that died is noticed after sessionTimeout; 10 s keeps a restart's rebalance short.
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    this.deadLetters = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    // kafkajs forgets a pause when it rebuilds its group after a crash it restarts from; apply it on every join.
    this.consumer.on('consumer.group_join', () => this.syncPause());
    this.consumer.on('consumer.crash', (event) => {
      this.logger.error({ group: options.groupId, err: describeError(event.payload.error) }, 'kafka consumer crashed');
      // kafkajs restarts the consumer after a retriable crash; after any other, readiness must say so.
      if (!event.payload.restart) this.running = false;
    });
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    await this.deadLetters.connect();
    await this.consumer.connect();
    // A new group starts at the beginning of the log: events written before the service first ran still count.
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    // Running before run(): a crash while joining then leaves it false, as it should.
    this.running = true;
    try {
      await this.consumer.run({ eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    } catch (error) {
      this.running = false;
      throw error;
    }
    this.syncPause();
  }

  /**
   * Fetches or not as `options.paused()` says (an operator's pause, e.g. during maintenance): a
   * paused member stays in the group with its partitions and heartbeat while lag builds up.
   * Between a crash and kafkajs's restart there is no group to pause; the next join applies it.
   */
  syncPause(): void {
    const topics = this.options.topics.map((topic) => ({ topic }));
    try {
      if (this.options.paused?.()) this.consumer.pause(topics);
      else this.consumer.resume(topics);
    } catch (error) {
      this.logger.debug({ err: describeError(error) }, 'no consumer group right now; the pause state applies when it joins');
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const chunkSize = this.options.maxBatchSize ?? 100;
    for (let start = 0; start < batch.messages.length; start += chunkSize) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + chunkSize);
      const decoded: Decoded[] = [];
      for (const message of chunk) {
        const redrivenFor = readHeader(message.headers, REDRIVEN_FOR_GROUP_HEADER);
        if (redrivenFor && redrivenFor !== this.options.groupId) continue; // another group's dead letter, sent back for it alone
        try {
          decoded.push({ raw: message, message: this.decode(topic, partition, message) });
        } catch (error) {
          await this.deadLetter({ topic, partition, offset: message.offset }, message, error, 1);
        }
      }
      const handledTogether = decoded.length > 1 && (await this.handleTogether(topic, partition, decoded, heartbeat)) !== 'split';
      if (!handledTogether) for (const item of decoded) await this.handleAlone(topic, partition, item, heartbeat);
      resolveOffset(chunk[chunk.length - 1].offset);
      await heartbeat();
    }
  }

  private handleTogether(topic: string, partition: number, chunk: Decoded[], heartbeat: () => Promise<void>): Promise<TogetherOutcome> {
    const where = { topic, partition, from: chunk[0].raw.offset, to: chunk[chunk.length - 1].raw.offset };
    return handleTogether(
      this.handle,
      chunk.map(({ message }) => message),
      this.options.retry,
      {
        onSplit: (error) => {
          this.logger.warn({ ...where, err: describeError(error) }, 'a message of the chunk failed; handling them one at a time');
          this.metrics?.batchSplit(this.options.groupId);
        },
        waitToRetry: async (error, attempt) => {
          this.metrics?.batchRetried(this.options.groupId);
          // Shutting down: give the messages back uncommitted rather than wait out the outage.
          if (!this.running) throw error;
          if (attempt === 1 || attempt % 10 === 0) {
            this.logger.warn({ ...where, attempt, err: describeError(error) }, 'kafka chunk failed transiently; retrying it whole');
          }
          await this.waitHeartbeating(this.options.retry.transientDelayMs(attempt), heartbeat);
          return true;
        },
      },
    );
  }

  private async handleAlone(topic: string, partition: number, { raw, message }: Decoded, heartbeat: () => Promise<void>): Promise<void> {
    const origin = { topic, partition, offset: raw.offset };
    const { retry } = this.options;
    let failures = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.handle([message]);
        return;
      } catch (error) {
        const transient = retry.isTransient(error);
        if (!transient) failures += 1;
        if (error instanceof PermanentMessageError || !(transient || retry.retriesAfter(failures))) {
          await this.deadLetter(origin, raw, error, attempt);
          return;
        }
        // Shutting down: give the message back uncommitted rather than wait out the outage.
        if (!this.running) throw error;
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn({ ...origin, attempt, transient, err: describeError(error) }, 'kafka message failed; retrying');
        }
        const delay = transient ? retry.transientDelayMs(attempt) : retry.delayMs(failures);
        await this.waitHeartbeating(delay, heartbeat);
      }
    }
  }

  /** Heartbeats at least every second while waiting, well inside the session timeout. */
  private async waitHeartbeating(delayMs: number, heartbeat: () => Promise<void>): Promise<void> {
    for (let waited = 0; waited < delayMs; waited += 1_000) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, delayMs - waited)));
      await heartbeat();
    }
  }

  private decode(topic: string, partition: number, message: KafkaMessage): InboundMessage {
    const metadata = metadataFromHeaders((name) => readHeader(message.headers, name));
    if ('invalid' in metadata) throw new PermanentMessageError(metadata.invalid);
    const body = decodePayload(message.value);
    if ('invalid' in body) throw new PermanentMessageError(body.invalid);
    return { ...metadata, payload: body.payload, source: topic, position: { partition, offset: message.offset } };
  }

  private async deadLetter(
    origin: { topic: string; partition: number; offset: string },
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    const reason = deadLetterReason(error);
    this.logger.error({ ...origin, attempts, reason }, 'kafka message dead-lettered');
    await this.deadLetters.send({
      topic: deadLetterTopicOf(origin.topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            [DeadLetterHeaders.reason]: reason,
            [DeadLetterHeaders.attempts]: String(attempts),
            [DeadLetterHeaders.consumer]: this.options.groupId,
            [DeadLetterHeaders.source]: origin.topic,
            [DeadLetterHeaders.sourcePartition]: String(origin.partition),
            [DeadLetterHeaders.sourceOffset]: origin.offset,
            [DeadLetterHeaders.deadLetteredAt]: new Date().toISOString(),
          },
        },
      ],
    });
  }
}
