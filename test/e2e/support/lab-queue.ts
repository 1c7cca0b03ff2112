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

/** Reads (and acks) everything in the lab queue until `count` distinct message ids arrived. */
export async function drainLabQueue(distinctIds: number, timeoutMs = 60_000): Promise<Received[]> {
  const connection = await amqp.connect(platformUnderTest.rabbitUrl);
  const received: Received[] = [];
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(500);
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${seen.size} of ${distinctIds} distinct messages arrived`)),
        timeoutMs,
      );
      void channel.consume(LAB.queue, (message) => {
        if (!message) return;
        const headers = message.properties.headers ?? {};
        const payload = JSON.parse(message.content.toString()) as { seq: number };
        received.push({
          messageId: String(message.properties.messageId),
          aggregateId: String(message.properties.correlationId),
          seq: payload.seq,
          content: message.content,
          headers,
        });
        seen.add(String(message.properties.messageId));
        channel.ack(message);
        if (seen.size >= distinctIds) {
          clearTimeout(timer);
          // Let copies already on their way in arrive too.
          setTimeout(resolve, 300);
        }
      });
    });
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
