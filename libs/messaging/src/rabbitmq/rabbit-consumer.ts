import type * as amqp from 'amqplib';
import type { Logger } from 'pino';
import { describeError, PermanentMessageError } from '../errors';
import { isTransientError } from '../transient-errors';
import { Exchanges, retryQueueOf } from '../topology';
import { decodePayload, type InboundHandler, type InboundMessage, metadataFromHeaders } from '../message';
import type { RabbitConnection } from './rabbit-connection';

export interface RabbitConsumerOptions {
  readonly queue: string;
  /** Unacked messages the broker may push to this consumer at once. */
  readonly prefetch: number;
  /**
   * The retry ladder: a message that failed for a reason that is neither permanent nor transient
   * waits in `<queue>.retry.<ms>ms` for each delay in turn, then goes to the dead-letter queue.
   */
  readonly retryDelaysMs: readonly number[];
}

/** Headers the platform adds to a message it retries or dead-letters, for operators to read. */
export const FailureHeaders = {
  retryAttempt: 'x-retry-attempt',
  lastError: 'x-last-error',
  reason: 'x-dead-letter-reason',
  attempts: 'x-attempts',
  originalQueue: 'x-original-queue',
  deadLetteredAt: 'x-dead-lettered-at',
} as const;

/**
 * Consumes one queue with manual acknowledgement. The ack is sent only after the handler (and so
 * its database transaction) has finished; a crash before that leaves the message with the broker.
 *   - handled                  -> ack
 *   - a transient failure      -> keep the message and try again in place, with growing pauses,
 *     (database down, deadlock)   for as long as it takes: an outage must not spend its attempts
 *                                 (bounded by RabbitMQ's consumer_timeout, 30 min by default, after
 *                                 which the broker takes the delivery back and it counts as one)
 *   - any other error          -> park a copy in the next retry queue (1 s, 5 s, 30 s by default),
 *                                 which hands it back to this queue later, and ack this one; the
 *                                 messages behind it keep flowing meanwhile
 *   - PermanentMessageError,   -> copy it to the dead-letter queue with the reason and the attempt
 *     or retries used up          count in its headers, and ack this one
 * A copy is acked away only after the broker confirmed the copy. The quorum queue's delivery
 * limit stays as a backstop for a consumer that dies on a message again and again.
 */
export class RabbitConsumer {
  /** Copies the broker could not route (their confirm still arrives, after the return). */
  private readonly returned = new Set<string>();

  constructor(
    private readonly connection: RabbitConnection,
    private readonly options: RabbitConsumerOptions,
    private readonly handle: InboundHandler,
    private readonly logger: Logger,
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
    await channel.consume(
      this.options.queue,
      (delivery) => {
        if (delivery) void this.onDelivery(channel, delivery, () => open);
        else this.connection.recover(`the broker cancelled the consumer of ${this.options.queue}`);
      },
      { noAck: false },
    );
  }

  private async onDelivery(channel: amqp.ConfirmChannel, delivery: amqp.ConsumeMessage, isOpen: () => boolean): Promise<void> {
    const log = this.logger.child({
      queue: this.options.queue,
      messageId: delivery.properties.messageId,
      type: delivery.properties.type,
      orderId: delivery.properties.correlationId,
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.handle(this.decode(delivery));
        settle(log, () => channel.ack(delivery));
        return;
      } catch (error) {
        if (!(error instanceof PermanentMessageError) && isTransientError(error) && isOpen()) {
          if (attempt === 1 || attempt % 10 === 0) {
            log.warn({ err: describeError(error), attempt }, 'transient failure; keeping the message and trying again');
          }
          await pause(Math.min(15_000, 250 * 2 ** Math.min(attempt, 6)));
          if (isOpen()) continue;
          return; // the channel died while we waited: the broker has already put the message back
        }
        await this.retryOrDeadLetter(channel, delivery, error, log);
        return;
      }
    }
  }

  private async retryOrDeadLetter(
    channel: amqp.ConfirmChannel,
    delivery: amqp.ConsumeMessage,
    error: unknown,
    log: Logger,
  ): Promise<void> {
    const { queue, retryDelaysMs } = this.options;
    const reason = error instanceof PermanentMessageError ? error.message : describeError(error);
    const retried = Number(delivery.properties.headers?.[FailureHeaders.retryAttempt] ?? 0);
    if (!(error instanceof PermanentMessageError) && retried < retryDelaysMs.length) {
      const delayMs = retryDelaysMs[retried];
      log.warn({ err: reason, retry: retried + 1, delayMs }, 'message failed; retrying it later');
      await this.forward(channel, delivery, '', retryQueueOf(queue, delayMs), log, {
        [FailureHeaders.retryAttempt]: retried + 1,
        [FailureHeaders.lastError]: reason,
      });
      return;
    }
    log.error({ reason, attempts: retried + 1 }, 'message dead-lettered');
    await this.forward(channel, delivery, Exchanges.deadLetters, queue, log, {
      [FailureHeaders.reason]: reason,
      [FailureHeaders.attempts]: retried + 1,
      [FailureHeaders.originalQueue]: queue,
      [FailureHeaders.deadLetteredAt]: new Date().toISOString(),
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
