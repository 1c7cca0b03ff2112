import type * as amqp from 'amqplib';
import type { Logger } from 'pino';
import { describeError } from '../errors';
import { encodePayload, metadataHeaders, type OutboundMessage } from '../message';
import type { MessagePublisher, PublishResult } from '../publisher';
import type { RabbitConnection } from './rabbit-connection';

/**
 * Publishes on a confirm channel: a message counts as sent only once the broker has confirmed it.
 * Every message is `mandatory`, so one that matches no binding is returned by the broker (before
 * its confirm) and reported as failed instead of vanishing.
 */
export class RabbitPublisher implements MessagePublisher {
  readonly broker = 'rabbitmq' as const;
  private channel: amqp.ConfirmChannel | null = null;
  private readonly returned = new Set<string>();

  constructor(
    private readonly connection: RabbitConnection,
    private readonly logger: Logger,
    private readonly confirmTimeoutMs = 10_000,
  ) {
    connection.onConnected((model) => this.openChannel(model));
  }

  private async openChannel(connection: amqp.ChannelModel): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('return', (message: amqp.ConsumeMessage) => {
      if (message.properties.messageId) this.returned.add(String(message.properties.messageId));
    });
    channel.on('error', (error: unknown) =>
      this.logger.warn({ err: describeError(error) }, 'rabbitmq publish channel error'),
    );
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = null;
      this.connection.recover('the publish channel closed');
    });
    this.channel = channel;
  }

  /**
   * Publishes the messages in order on one channel (so RabbitMQ routes them in that order) and
   * waits for every confirm. When the socket's buffer is full, it waits for 'drain' rather than
   * piling more into memory.
   */
  async publish(messages: readonly OutboundMessage[]): Promise<PublishResult[]> {
    const channel = this.channel;
    if (!channel) return messages.map(() => ({ ok: false, error: 'RabbitMQ is not connected', brokerUnavailable: true }));
    const confirms: Promise<PublishResult>[] = [];
    for (const [index, message] of messages.entries()) {
      const { confirm, bufferFull } = this.publishOne(channel, message);
      confirms.push(this.withTimeout(confirm));
      if (bufferFull && !(await this.drained(channel))) {
        const rest = messages.slice(index + 1).map(() => ({
          ok: false as const,
          error: 'the channel stayed full or closed before the message could be sent',
          brokerUnavailable: true,
        }));
        return [...(await Promise.all(confirms)), ...rest];
      }
    }
    return Promise.all(confirms);
  }

  /** Waits for the channel's buffer to empty; false if it closed or stayed full past the confirm timeout. */
  private drained(channel: amqp.ConfirmChannel): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (result: boolean) => {
        clearTimeout(timer);
        channel.off('drain', onDrain);
        channel.off('close', onClose);
        resolve(result);
      };
      const onDrain = () => finish(true);
      const onClose = () => finish(false);
      const timer = setTimeout(() => finish(false), this.confirmTimeoutMs);
      channel.once('drain', onDrain);
      channel.once('close', onClose);
    });
  }

  private publishOne(
    channel: amqp.ConfirmChannel,
    message: OutboundMessage,
  ): { confirm: Promise<PublishResult>; bufferFull: boolean } {
    const { destination } = message;
    if (destination.broker !== 'rabbitmq') {
      return {
        confirm: Promise.resolve({ ok: false, error: `not a RabbitMQ destination: ${destination.broker}` }),
        bufferFull: false,
      };
    }
    let bufferFull = false;
    const confirm = new Promise<PublishResult>((resolve) => {
      try {
        bufferFull = !channel.publish(
          destination.exchange,
          destination.routingKey,
          encodePayload(message.payload),
          {
            persistent: true,
            mandatory: true,
            contentType: 'application/json',
            messageId: message.messageId,
            type: message.type,
            correlationId: message.correlationId,
            replyTo: message.replyTo,
            timestamp: Math.floor(Date.parse(message.occurredAt) / 1000),
            headers: { ...destination.routingHeaders, ...metadataHeaders(message) },
          },
          (error: unknown) => {
            if (this.returned.delete(message.messageId)) {
              resolve({
                ok: false,
                error: `unroutable: no queue is bound to exchange ${destination.exchange} for key ${destination.routingKey}`,
              });
            } else if (error) {
              this.abandonAfterNack(channel);
              resolve({ ok: false, error: `not confirmed by the broker: ${describeError(error)}`, brokerUnavailable: true });
            } else {
              resolve({ ok: true });
            }
          },
        );
      } catch (error) {
        resolve({ ok: false, error: describeError(error), brokerUnavailable: true });
      }
    });
    return { confirm, bufferFull };
  }

  /**
   * No queue here has a length limit, so a nack means the broker could not take the message. On
   * RabbitMQ 3.10, a channel opened while a quorum queue was still electing a new leader (its old
   * leader's node had just died, with this process's connection) nacked every later publish to
   * that queue, for minutes, while a fresh channel published fine. So the channel is given up, by
   * the one tested path: a new connection, whose channels find the queues' current leaders.
   */
  private abandonAfterNack(channel: amqp.ConfirmChannel): void {
    if (this.channel !== channel) return;
    this.channel = null;
    this.connection.recover('the broker nacked a publish');
  }

  private withTimeout(confirm: Promise<PublishResult>): Promise<PublishResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PublishResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, error: `no confirm within ${this.confirmTimeoutMs} ms`, brokerUnavailable: true }),
        this.confirmTimeoutMs,
      );
    });
    return Promise.race([confirm, timeout]).finally(() => clearTimeout(timer));
  }
}
