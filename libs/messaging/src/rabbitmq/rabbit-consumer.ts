import type * as amqp from 'amqplib';
import type { Logger } from 'pino';
import { describeError, PermanentMessageError } from '../errors';
import { isTransientError } from '../transient-errors';
import { decodePayload, type InboundHandler, type InboundMessage, metadataFromHeaders } from '../message';
import type { RabbitConnection } from './rabbit-connection';

export interface RabbitConsumerOptions {
  readonly queue: string;
  /** Unacked messages the broker may push to this consumer at once. */
  readonly prefetch: number;
  /** Pause before handing a failed message back, so a failing dependency is not hammered. */
  readonly retryDelayMs?: number;
}

/**
 * Consumes one queue with manual acknowledgement. The ack is sent only after the handler (and so
 * its database transaction) has finished; a crash before that leaves the message with the broker.
 *   - handled                  -> ack
 *   - PermanentMessageError    -> reject without requeue: the queue dead-letters it at once
 *   - a transient failure      -> keep the message and try again in place, with growing pauses,
 *     (database down, deadlock)   for as long as it takes: an outage must not spend its attempts
 *   - any other error          -> requeue after a pause; the quorum queue counts deliveries and
 *                                 dead-letters the message once it reaches the queue's limit
 */
export class RabbitConsumer {
  constructor(
    private readonly connection: RabbitConnection,
    private readonly options: RabbitConsumerOptions,
    private readonly handle: InboundHandler,
    private readonly logger: Logger,
  ) {
    connection.onConnected((model) => this.consume(model));
  }

  private async consume(connection: amqp.ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    let open = true;
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

  private async onDelivery(channel: amqp.Channel, delivery: amqp.ConsumeMessage, isOpen: () => boolean): Promise<void> {
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
        if (error instanceof PermanentMessageError) {
          log.error({ reason: error.message }, 'message cannot be processed; dead-lettering it');
          settle(log, () => channel.nack(delivery, false, false));
          return;
        }
        if (isTransientError(error) && isOpen()) {
          if (attempt === 1 || attempt % 10 === 0) {
            log.warn({ err: describeError(error), attempt }, 'transient failure; keeping the message and trying again');
          }
          await pause(Math.min(15_000, 250 * 2 ** Math.min(attempt, 6)));
          if (isOpen()) continue;
          return; // the channel died while we waited: the broker has already put the message back
        }
        const deliveries = Number(delivery.properties.headers?.['x-delivery-count'] ?? 0) + 1;
        log.warn({ err: describeError(error), deliveries }, 'message failed; handing it back for another try');
        await pause(this.options.retryDelayMs ?? 1_000);
        settle(log, () => channel.nack(delivery, false, true));
        return;
      }
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
