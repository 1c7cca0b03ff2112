import type { Channel, ChannelModel } from 'amqplib';
import { type BindingSpec, deadLetterQueueOf, type DelayQueueSpec, Exchanges, type QueueSpec, type RabbitTopology } from '../topology';

/**
 * Declares exchanges, work queues, their dead-letter queues and bindings. Safe to repeat: it runs
 * on every (re)connection, so a broker that lost its definitions gets them back.
 *
 * Work queues are quorum queues: replicated and durable, and they count deliveries, so a message
 * that keeps failing is dead-lettered by the broker after `deliveryLimit` attempts instead of
 * cycling forever. At-least-once dead-lettering makes the broker keep a rejected message until
 * its dead-letter queue has confirmed it.
 */
export async function declareTopology(channel: Channel, topology: RabbitTopology): Promise<void> {
  for (const exchange of topology.exchanges) {
    await channel.assertExchange(exchange.name, exchange.type, { durable: true });
  }
  for (const queue of topology.queues) {
    await declareWorkQueue(channel, queue);
  }
  for (const queue of topology.delayQueues) {
    await declareDelayQueue(channel, queue);
  }
}

/** Nobody consumes a delay queue: its messages expire and are dead-lettered to where they are due. */
async function declareDelayQueue(channel: Channel, queue: DelayQueueSpec): Promise<void> {
  await channel.assertQueue(queue.name, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-message-ttl': queue.delayMs,
      'x-dead-letter-exchange': queue.deliverTo.exchange,
      'x-dead-letter-routing-key': queue.deliverTo.routingKey,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  });
  if (queue.binding) await bind(channel, queue.name, queue.binding);
}

async function declareWorkQueue(channel: Channel, queue: QueueSpec): Promise<void> {
  const deadLetterQueue = deadLetterQueueOf(queue.name);
  await channel.assertQueue(deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(deadLetterQueue, Exchanges.deadLetters, queue.name);

  await channel.assertQueue(queue.name, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': queue.deliveryLimit,
      'x-dead-letter-exchange': Exchanges.deadLetters,
      'x-dead-letter-routing-key': queue.name,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  });
  for (const binding of queue.bindings) {
    await bind(channel, queue.name, binding);
  }
}

function bind(channel: Channel, queue: string, binding: BindingSpec): Promise<unknown> {
  return channel.bindQueue(queue, binding.exchange, binding.routingKey, binding.headers);
}

/**
 * Taking a delay queue out of use, in two steps some time apart, so that nothing is lost:
 * `unbind` stops new messages coming in; a later `deleteIfDrained` deletes the queue once its last
 * message has expired to where it was due. (Quorum queues refuse a conditional delete, which
 * would have made this one step.)
 */
export const retiredDelayQueue = {
  async unbind(connection: ChannelModel, name: string, binding: BindingSpec): Promise<void> {
    if (!(await queueExists(connection, name))) return;
    await onOwnChannel(connection, (channel) => channel.unbindQueue(name, binding.exchange, binding.routingKey, binding.headers));
  },

  /** Whether the queue is gone: deleted now because it was empty, or deleted before. */
  async deleteIfDrained(connection: ChannelModel, name: string): Promise<boolean> {
    if (!(await queueExists(connection, name))) return true;
    return onOwnChannel(connection, async (channel) => {
      const { messageCount } = await channel.checkQueue(name);
      if (messageCount > 0) return false;
      await channel.deleteQueue(name);
      return true;
    });
  },
};

/** A failed call closes its channel, so each step runs on a channel of its own. */
async function onOwnChannel<T>(connection: ChannelModel, work: (channel: Channel) => Promise<T>): Promise<T> {
  const channel = await connection.createChannel();
  let closed = false;
  channel.on('close', () => (closed = true));
  channel.on('error', () => undefined); // the call that failed rejects with this same error, and its caller decides
  try {
    return await work(channel);
  } finally {
    if (!closed) await channel.close();
  }
}

async function queueExists(connection: ChannelModel, name: string): Promise<boolean> {
  try {
    await onOwnChannel(connection, (channel) => channel.checkQueue(name));
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}
