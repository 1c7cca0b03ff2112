import { declareTopology } from '@platform/messaging';
import * as amqp from 'amqplib';
import { LAB, labTopology } from '../../../tools/outbox-lab/lab';
import { platformUnderTest } from './environment';

export interface Received {
  messageId: string;
  aggregateId: string;
  seq: number;
  content: Buffer;
  headers: Record<string, unknown>;
}

/** Declares the lab's exchange and queue and empties the queue, so a test sees only what its own relays publish. */
export async function purgeLabQueue(): Promise<void> {
  const connection = await amqp.connect(platformUnderTest.rabbitUrl);
  try {
    const channel = await connection.createChannel();
    await declareTopology(channel, labTopology);
    await channel.purgeQueue(LAB.queue);
  } finally {
    await connection.close();
  }
}

/** How many consumers the lab queue has: a test starts publishing once its consumer is attached. */
export async function labQueueConsumers(): Promise<number> {
  const connection = await amqp.connect(platformUnderTest.rabbitUrl);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(LAB.queue)).consumerCount;
  } finally {
    await connection.close();
  }
}

/**
 * Reads (and acks) everything in the lab queue, one basic.get at a time, until the queue is empty.
 * Call it once the relays have stopped: every message they published was confirmed by the
 * broker, so it is in the queue, and an empty queue means every copy has been read.
 */
export async function drainLabQueue(): Promise<Received[]> {
  const connection = await amqp.connect(platformUnderTest.rabbitUrl);
  const received: Received[] = [];
  try {
    const channel = await connection.createChannel();
    for (let message = await channel.get(LAB.queue); message; message = await channel.get(LAB.queue)) {
      const payload = JSON.parse(message.content.toString()) as { seq: number };
      received.push({
        messageId: String(message.properties.messageId),
        aggregateId: String(message.properties.correlationId),
        seq: payload.seq,
        content: message.content,
        headers: message.properties.headers ?? {},
      });
      channel.ack(message);
    }
    return received;
  } finally {
    await connection.close();
  }
}

/** For each aggregate, the sequence numbers in the order they were first delivered. */
export function firstDeliveryOrder(received: readonly Received[]): Map<string, number[]> {
  const seen = new Set<string>();
  const order = new Map<string, number[]>();
  for (const message of received) {
    if (seen.has(message.messageId)) continue;
    seen.add(message.messageId);
    order.set(message.aggregateId, [...(order.get(message.aggregateId) ?? []), message.seq]);
  }
  return order;
}
