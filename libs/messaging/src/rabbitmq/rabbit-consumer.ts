import type * as amqp from 'amqplib';
import type { Logger } from 'pino';
import { describeError, PermanentMessageError } from '../errors';
import { DeadLetterHeaders, deadLetterReason } from '../dead-letters';
import { handleTogether, type TogetherOutcome } from '../batch-attempts';
import type { RetryPolicy } from '../retry-policy';
import { Exchanges, retryQueueOf } from '../topology';
import { type BatchMetrics, decodePayload, type InboundBatchHandler, type InboundMessage, metadataFromHeaders } from '../message';
import { BatchGathering } from './batch-gathering';
import type { RabbitConnection } from './rabbit-connection';

export interface RabbitConsumerOptions {
  readonly queue: string;
  /**
   * Unacked messages the broker may push to this consumer at once; also the most messages
   * handled together in one batch (one transaction).
   */
  readonly prefetch: number;
  /**
   * How long a batch may gather after its first delivery before it is handled (0: at once). For
   * queues no caller waits on: their batches grow, and their per-batch costs stop competing with
   * the saga's for the cores. A full prefetch window cuts the batch at once.
   */
  readonly lingerMs: number;
  /**
   * The retry ladder: a message that failed for a reason that is neither permanent nor transient
   * waits in `<queue>.retry.<ms>ms` for each of the policy's intervals in turn (the topology
   * declares those queues from the same policy), then goes to the dead-letter queue. A transient
   * failure is retried in place at the policy's transient pace.
   */
  readonly retry: RetryPolicy;
  /** Who consumes the queue (the service), named in its dead letters. */
  readonly consumer: string;
}

interface Decoded {
  readonly delivery: amqp.ConsumeMessage;
  readonly message: InboundMessage;
}

/** Headers the platform adds to a message it parks in a retry queue (dead letters carry DeadLetterHeaders). */
export const RetryHeaders = {
  retryAttempt: 'x-retry-attempt',
  lastError: 'x-last-error',
} as const;

/**
 * Consumes one queue with manual acknowledgement, a batch at a time. The deliveries that arrived
 * while the previous batch was being handled (at most the prefetch window) are handled together,
 * in one transaction, and acknowledged together once it has committed; a crash before that leaves
 * them all with the broker, and the inbox absorbs the redelivery.
 *   - the batch handled        -> ack the batch
 *   - a transient failure      -> keep the batch and try it again whole, in place, with growing
 *     (database down, deadlock)   pauses, for as long as it takes: an outage must not spend
 *                                 attempts (bounded by RabbitMQ's consumer_timeout, 30 min by
 *                                 default, after which the broker takes the deliveries back)
 *   - any other failure        -> the batch was rolled back; handle its messages one at a time, so
 *                                 the one that fails is dealt with alone and the rest commit once
 * A message that fails alone:
 *   - a transient failure      -> as above, for that message
 *   - PermanentMessageError,   -> copy it to the dead-letter queue with the reason and the attempt
 *     or retries used up          count in its headers, and ack this one
 *   - any other error          -> park a copy in the next retry queue (1 s, 5 s, 30 s by default),
 *                                 which hands it back to this queue later, and ack this one; the
 *                                 messages behind it keep flowing meanwhile
 * A copy is acked away only after the broker confirmed the copy. The quorum queue's delivery
 * limit stays as a backstop for a consumer that dies on a message again and again.
 */
export class RabbitConsumer {
  /** Copies the broker could not route (their confirm still arrives, after the return). */
  private readonly returned = new Set<string>();

  constructor(
    private readonly connection: RabbitConnection,
    private readonly options: RabbitConsumerOptions,
    private readonly handle: InboundBatchHandler,
    private readonly logger: Logger,
    private readonly metrics?: BatchMetrics,
  ) {
    connection.onConnected((model) => this.consume(model));
  }

  private async consume(connection: amqp.ChannelModel): Promise<void> {
    const channel = await connection.createConfirmChannel();
    let open = true;
    channel.on('return', (message: amqp.ConsumeMessage) => this.returned.add(String(message.properties.messageId)));
    channel.on('error', (error: unknown) =>
      this.logger.warn({ err: describeError(error), queue: this.options.queue }, 'rabbitmq consumer channel error'),
    );
    channel.on('close', () => {
      open = false;
      this.connection.recover(`the consumer channel of ${this.options.queue} closed`);
    });
    await channel.prefetch(this.options.prefetch);
    // Deliveries wait here while a batch is being handled or gathers; the next batch takes them all.
    const waiting: amqp.ConsumeMessage[] = [];
    const gathering = new BatchGathering(this.options.lingerMs, this.options.prefetch);
    let draining = false;
    const drain = async (): Promise<void> => {
      try {
        while (waiting.length > 0 && open) {
          await gathering.untilCut(waiting.length);
          if (!open) break;
          await this.onBatch(channel, waiting.splice(0, this.options.prefetch), () => open);
        }
      } catch (error) {
        // onBatch settles or hands back every delivery itself; reaching here is a bug, and the
        // broker redelivers whatever was not acked once the channel goes.
        this.logger.error({ err: describeError(error), queue: this.options.queue }, 'consumer batch failed unexpectedly');
        channel.close().catch((closeError: unknown) =>
          this.logger.debug({ err: describeError(closeError) }, 'the consumer channel was already closing'),
        );
      } finally {
        draining = false;
        if (waiting.length > 0 && open) startDraining();
      }
    };
    // setImmediate lets the rest of one socket read arrive before the first batch is cut.
    const startDraining = (): void => {
      draining = true;
      setImmediate(() => void drain());
    };
    await channel.consume(
      this.options.queue,
      (delivery) => {
        if (!delivery) {
          this.connection.recover(`the broker cancelled the consumer of ${this.options.queue}`);
          return;
        }
        waiting.push(delivery);
        gathering.arrived(waiting.length);
        if (!draining) startDraining();
      },
      { noAck: false },
    );
  }

  private async onBatch(channel: amqp.ConfirmChannel, deliveries: amqp.ConsumeMessage[], isOpen: () => boolean): Promise<void> {
    const decoded: Decoded[] = [];
    for (const delivery of deliveries) {
      try {
        decoded.push({ delivery, message: this.decode(delivery) });
      } catch (error) {
        await this.retryOrDeadLetter(channel, delivery, error, this.logFor(delivery));
      }
    }
    if (decoded.length === 0) return;
    if (decoded.length > 1 && (await this.handleTogether(channel, decoded, isOpen)) !== 'split') return;
    for (const item of decoded) await this.handleAlone(channel, item, isOpen);
  }

  private async handleTogether(channel: amqp.ConfirmChannel, batch: Decoded[], isOpen: () => boolean): Promise<TogetherOutcome> {
    const log = this.logger.child({ queue: this.options.queue, batch: batch.length });
    const outcome = await handleTogether(
      this.handle,
      batch.map(({ message }) => message),
      this.options.retry,
      {
        onSplit: (error) => {
          log.warn({ err: describeError(error) }, 'a message of the batch failed; handling them one at a time');
          this.metrics?.batchSplit(this.options.queue);
        },
        waitToRetry: (error, attempt) => {
          this.metrics?.batchRetried(this.options.queue);
          return this.waitToRetry(log, error, attempt, isOpen);
        },
      },
    );
    // Every earlier delivery on this channel is settled (batches run one after another), so one
    // multiple-ack of the last delivery settles exactly this batch.
    if (outcome === 'committed') settle(log, () => channel.ack(batch[batch.length - 1].delivery, true));
    return outcome;
  }

  private async handleAlone(channel: amqp.ConfirmChannel, { delivery, message }: Decoded, isOpen: () => boolean): Promise<void> {
    const log = this.logFor(delivery);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.handle([message]);
        settle(log, () => channel.ack(delivery));
        return;
      } catch (error) {
        if (this.options.retry.isTransient(error) && isOpen()) {
          if (await this.waitToRetry(log, error, attempt, isOpen)) continue;
          return;
        }
        await this.retryOrDeadLetter(channel, delivery, error, log);
        return;
      }
    }
  }

  /**
   * Pauses before trying a transient failure again; false when the channel died meanwhile (the
   * broker has already put the deliveries back).
   */
  private async waitToRetry(log: Logger, error: unknown, attempt: number, isOpen: () => boolean): Promise<boolean> {
    if (!isOpen()) return false;
    if (attempt === 1 || attempt % 10 === 0) {
      log.warn({ err: describeError(error), attempt }, 'transient failure; keeping the message and trying again');
    }
    await pause(this.options.retry.transientDelayMs(attempt));
    return isOpen();
  }

  private logFor(delivery: amqp.ConsumeMessage): Logger {
    return this.logger.child({
      queue: this.options.queue,
      messageId: delivery.properties.messageId,
      type: delivery.properties.type,
      orderId: delivery.properties.correlationId,
    });
  }

  private async retryOrDeadLetter(
    channel: amqp.ConfirmChannel,
    delivery: amqp.ConsumeMessage,
    error: unknown,
    log: Logger,
  ): Promise<void> {
    const { queue, retry } = this.options;
    const reason = deadLetterReason(error);
    // The attempts so far, this one included: the copy in a retry queue carries the count.
    const failed = Number(delivery.properties.headers?.[RetryHeaders.retryAttempt] ?? 0) + 1;
    if (!(error instanceof PermanentMessageError) && retry.retriesAfter(failed)) {
      // The policy's own intervals, never a jittered pause: each names a retry queue the topology declared.
      const delayMs = retry.intervalsMs[failed - 1];
      log.warn({ err: reason, retry: failed, delayMs }, 'message failed; retrying it later');
      await this.forward(channel, delivery, '', retryQueueOf(queue, delayMs), log, {
        [RetryHeaders.retryAttempt]: failed,
        [RetryHeaders.lastError]: reason,
      });
      return;
    }
    log.error({ reason, attempts: failed }, 'message dead-lettered');
    await this.forward(channel, delivery, Exchanges.deadLetters, queue, log, {
      [DeadLetterHeaders.reason]: reason,
      [DeadLetterHeaders.attempts]: failed,
      [DeadLetterHeaders.consumer]: this.options.consumer,
      [DeadLetterHeaders.source]: queue,
      [DeadLetterHeaders.deadLetteredAt]: new Date().toISOString(),
    });
  }

  /** Publishes a copy (same id, same properties, more headers), waits for its confirm, then acks the original. */
  private async forward(
    channel: amqp.ConfirmChannel,
    delivery: amqp.ConsumeMessage,
    exchange: string,
    routingKey: string,
    log: Logger,
    headers: Record<string, unknown>,
  ): Promise<void> {
    try {
      const { 'x-delivery-count': _redeliveries, ...kept } = delivery.properties.headers ?? {};
      channel.publish(exchange, routingKey, delivery.content, {
        ...delivery.properties,
        persistent: true,
        mandatory: true,
        headers: { ...kept, ...headers },
      });
      await channel.waitForConfirms();
      if (this.returned.delete(String(delivery.properties.messageId))) {
        throw new Error(`no queue is bound to ${exchange || '(default exchange)'} for ${routingKey}`);
      }
      settle(log, () => channel.ack(delivery));
    } catch (forwardError) {
      // Could not park the copy: keep the original with the broker rather than lose it.
      log.warn({ err: describeError(forwardError) }, 'could not move the failed message; handing it back');
      await pause(1_000);
      settle(log, () => channel.nack(delivery, false, true));
    }
  }

  private decode(delivery: amqp.ConsumeMessage): InboundMessage {
    const headers = delivery.properties.headers ?? {};
    const metadata = metadataFromHeaders((name) => {
      const value: unknown = headers[name];
      return value === undefined || value === null ? undefined : String(value);
    });
    if ('invalid' in metadata) throw new PermanentMessageError(metadata.invalid);
    const body = decodePayload(delivery.content);
    if ('invalid' in body) throw new PermanentMessageError(body.invalid);
    return { ...metadata, payload: body.payload, source: this.options.queue };
  }
}

/**
 * Acks and nacks go to the channel that delivered the message. If that channel has closed in
 * the meantime, the broker has already put the message back and will deliver it again; the
 * inbox makes that second delivery harmless.
 */
function settle(log: Logger, action: () => void): void {
  try {
    action();
  } catch (error) {
    log.warn({ err: describeError(error) }, 'channel closed before settling; the broker will redeliver');
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
