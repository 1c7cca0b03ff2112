// The platform's own amqplib setup: frames coalesced into one writev per pass (applied on import), and TCP_NODELAY below.
import '../../libs/messaging/src/rabbitmq/amqplib-frame-coalescing';
import { once } from 'node:events';
import * as amqp from 'amqplib';
import type { Consumer, ConsumerHandlers, Producer } from './client';
import { RABBITMQ_PREFETCH, type RabbitMqConfiguration } from './configurations';
import type { CheckResult } from './report';

export const RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

export function connectRabbitMq(connectionName: string): Promise<amqp.ChannelModel> {
  return amqp.connect(RABBITMQ_URL, { noDelay: true, clientProperties: { connection_name: connectionName } });
}

const queueOptions = (configuration: RabbitMqConfiguration): amqp.Options.AssertQueue => ({
  durable: configuration.durableQueue,
  arguments: { 'x-queue-type': configuration.queueType },
});

/** Publishes to the queue through the default exchange, so routing costs the same for every configuration. */
export async function openRabbitMqProducer(configuration: RabbitMqConfiguration, queue: string): Promise<Producer> {
  const connection = await connectRabbitMq(`${queue} producer`);
  const options: amqp.Options.Publish = { persistent: configuration.persistentMessages };
  if (configuration.confirms) {
    const channel = await connection.createConfirmChannel();
    return {
      send: (messages) => publishConfirmed(channel, queue, messages, options),
      close: () => connection.close(),
    };
  }
  const channel = await connection.createChannel();
  return {
    send: (messages) => publishUnconfirmed(channel, queue, messages, options),
    close: () => connection.close(),
  };
}

/** Done when the broker has confirmed every message: for a persistent message, once it is on disk. */
async function publishConfirmed(channel: amqp.ConfirmChannel, queue: string, messages: readonly Buffer[], options: amqp.Options.Publish): Promise<void> {
  await Promise.all(
    messages.map((message) => new Promise<void>((resolve, reject) => channel.sendToQueue(queue, message, options, (error: unknown) => (error ? reject(error) : resolve())))),
  );
}

/** Without confirms nothing comes back: done once the channel has taken them, after waiting for 'drain' if it is full. */
async function publishUnconfirmed(channel: amqp.Channel, queue: string, messages: readonly Buffer[], options: amqp.Options.Publish): Promise<void> {
  let full = false;
  for (const message of messages) full = !channel.sendToQueue(queue, message, options) || full;
  if (full) await once(channel, 'drain');
}

/** Acks as the platform's consumers do: one multiple-ack for the deliveries of one turn of the event loop. */
export async function openRabbitMqConsumer(configuration: RabbitMqConfiguration, queue: string, handlers: ConsumerHandlers): Promise<Consumer> {
  const connection = await connectRabbitMq(`${queue} consumer`);
  connection.on('error', handlers.onFailure);
  const channel = await connection.createChannel();
  channel.on('error', handlers.onFailure);
  let unacked: amqp.ConsumeMessage | null = null;
  const ackUpToLast = () => {
    if (unacked) channel.ack(unacked, true);
    unacked = null;
  };
  if (configuration.manualAck) await channel.prefetch(RABBITMQ_PREFETCH);
  await channel.consume(
    queue,
    (delivery) => {
      if (!delivery) return handlers.onFailure(new Error(`the broker cancelled the consumer of ${queue}`));
      handlers.onMessage(delivery.content);
      if (!configuration.manualAck) return;
      if (!unacked) setImmediate(ackUpToLast);
      unacked = delivery;
    },
    { noAck: !configuration.manualAck },
  );
  return {
    close: async () => {
      connection.off('error', handlers.onFailure);
      await connection.close();
    },
  };
}

/** The benchmark's side of RabbitMQ: its queues, and the markers of the survival and replay checks. */
export class RabbitMqAdmin {
  private constructor(private readonly connection: amqp.ChannelModel) {}

  static async connect(): Promise<RabbitMqAdmin> {
    return new RabbitMqAdmin(await connectRabbitMq('bench.brokers admin'));
  }

  get serverVersion(): string {
    return String(this.connection.connection.serverProperties.version);
  }

  async createQueue(configuration: RabbitMqConfiguration, queue: string): Promise<void> {
    await this.withChannel((channel) => channel.assertQueue(queue, queueOptions(configuration)));
  }

  async deleteQueues(queues: readonly string[]): Promise<void> {
    await this.withChannel(async (channel) => {
      for (const queue of queues) await channel.deleteQueue(queue);
    });
  }

  /** One message with the configuration's settings, confirmed, so the broker had it before anything else happens. */
  async leaveMarker(configuration: RabbitMqConfiguration, queue: string, marker: string): Promise<void> {
    await this.createQueue(configuration, queue);
    await this.withChannel(async (channel) => {
      channel.sendToQueue(queue, Buffer.from(marker), { persistent: configuration.persistentMessages });
      await channel.waitForConfirms();
    });
  }

  /** Whether the marker is in its queue, without taking it; waits up to `timeoutMs` for a queue that is still starting. */
  async findMarker(queue: string, marker: string, timeoutMs: number): Promise<CheckResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const attempt = await this.withChannel(async (channel) => {
        const message = await channel.get(queue, { noAck: false });
        if (!message) return { found: false };
        const found = message.content.toString() === marker;
        channel.nack(message, false, true);
        return { found };
      }).then(
        (answer) => ({ ...answer, error: null }),
        (error: unknown) => ({ found: false, error: error as Error & { code?: number } }),
      );
      if (attempt.found) return { outcome: 'yes', detail: 'the marker was in its queue after the restart' };
      if (attempt.error?.code === 404) return { outcome: 'no', detail: 'the queue itself was gone after the restart (a non-durable queue is deleted when the broker stops)' };
      if (Date.now() > deadline) {
        return { outcome: 'no', detail: attempt.error ? `the queue could not be read: ${attempt.error.message}` : 'the queue was there, empty' };
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Publishes, consumes and acks (or auto-acks) one message, then reads the queue again. */
  async checkReplay(configuration: RabbitMqConfiguration, queue: string): Promise<CheckResult> {
    const marker = `replay ${queue} ${Date.now()}`;
    await this.leaveMarker(configuration, queue, marker);
    return this.withChannel(async (channel) => {
      const first = await channel.get(queue, { noAck: !configuration.manualAck });
      if (!first || first.content.toString() !== marker) throw new Error(`the replay marker was not the first message of ${queue}`);
      if (configuration.manualAck) channel.ack(first);
      const again = await channel.get(queue, { noAck: true });
      if (again) return { outcome: 'yes', detail: 'the acked message could be read again' };
      return {
        outcome: 'no',
        detail: `once ${configuration.manualAck ? 'acked' : 'delivered with auto-ack'}, a message is deleted from a ${configuration.queueType} queue: a second read found it empty (RabbitMQ Streams keep messages for replay, but the platform does not use them)`,
      };
    });
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  /**
   * A channel per piece of work: a channel error (404 for a missing queue) closes that channel alone.
   * amqplib then rejects the operation with the bare close frame; the channel's 'error' event has
   * the Error, with its code, and that is what is thrown.
   */
  private async withChannel<T>(work: (channel: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
    const channel = await this.connection.createConfirmChannel();
    const closed: { by: Error | null } = { by: null };
    channel.on('error', (error: Error) => (closed.by = error));
    try {
      return await work(channel);
    } catch (error) {
      throw closed.by ?? error;
    } finally {
      if (!closed.by) await channel.close();
    }
  }
}
