import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { describeError, PermanentMessageError } from '../errors';
import { isTransientError } from '../transient-errors';
import { decodePayload, type InboundHandler, type InboundMessage, metadataFromHeaders } from '../message';
import { deadLetterTopicOf } from '../topology';
import { DeadLetterHeaders, readHeader, REDRIVEN_FOR_GROUP_HEADER } from './kafka-headers';

export interface KafkaSubscriptionOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Attempts at a failing message before it goes to the dead-letter topic. */
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  /** Whether the member should fetch nothing for now (an operator's pause); asked on every join. */
  readonly paused?: () => boolean;
}

/**
 * One consumer group member. A partition is processed in order, one message at a time; the
 * message's offset is marked consumed only after the handler (and its transaction) returned, and
 * kafkajs commits marked offsets after each batch.
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
    private readonly handle: InboundHandler,
    private readonly logger: Logger,
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
      await this.consumer.run({ eachMessage: (payload) => this.onMessage(payload) });
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

  private async onMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const origin = { topic, partition, offset: message.offset };
    const redrivenFor = readHeader(message.headers, REDRIVEN_FOR_GROUP_HEADER);
    if (redrivenFor && redrivenFor !== this.options.groupId) return; // another group's dead letter, sent back for it alone
    const maxAttempts = this.options.maxAttempts ?? 3;
    let failures = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.handle(this.decode(topic, partition, message));
        return;
      } catch (error) {
        const transient = isTransientError(error);
        if (!transient) failures += 1;
        if (error instanceof PermanentMessageError || failures >= maxAttempts) {
          await this.deadLetter(origin, message, error, attempt);
          return;
        }
        // Shutting down: give the message back uncommitted rather than wait out the outage.
        if (!this.running) throw error;
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn({ ...origin, attempt, transient, err: describeError(error) }, 'kafka message failed; retrying');
        }
        const delay = transient ? Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)) : (this.options.retryDelayMs ?? 200) * 2 ** (attempt - 1);
        // Heartbeat at least every second while waiting, well inside the session timeout.
        for (let waited = 0; waited < delay; waited += 1_000) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, delay - waited)));
          await heartbeat();
        }
      }
    }
  }

  private decode(topic: string, partition: number, message: EachMessagePayload['message']): InboundMessage {
    const metadata = metadataFromHeaders((name) => readHeader(message.headers, name));
    if ('invalid' in metadata) throw new PermanentMessageError(metadata.invalid);
    const body = decodePayload(message.value);
    if ('invalid' in body) throw new PermanentMessageError(body.invalid);
    return { ...metadata, payload: body.payload, source: topic, position: { partition, offset: message.offset } };
  }

  private async deadLetter(
    origin: { topic: string; partition: number; offset: string },
    message: EachMessagePayload['message'],
    error: unknown,
    attempts: number,
  ): Promise<void> {
    const reason = describeError(error);
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
            [DeadLetterHeaders.error]: reason,
            [DeadLetterHeaders.attempts]: String(attempts),
            [DeadLetterHeaders.originalTopic]: origin.topic,
            [DeadLetterHeaders.originalPartition]: String(origin.partition),
            [DeadLetterHeaders.originalOffset]: origin.offset,
            [DeadLetterHeaders.consumerGroup]: this.options.groupId,
            [DeadLetterHeaders.failedAt]: new Date().toISOString(),
          },
        },
      ],
    });
  }
}
