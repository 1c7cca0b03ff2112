import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { platformUnderTest } from './environment';

export interface LoggedEvent {
  type: string;
  key: string;
  partition: number;
  payload: Record<string, unknown>;
}

/**
 * Reads the `orders` topic from the beginning with a throw-away consumer group until it has seen
 * an event of each wanted type for the order, and returns that order's events in log order.
 */
export async function orderEventsInLog(orderId: string, wantedTypes: string[], timeoutMs = 30_000): Promise<LoggedEvent[]> {
  const kafka = new Kafka({ clientId: 'e2e-reader', brokers: platformUnderTest.kafkaBrokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `e2e-reader-${randomUUID()}` });
  const events: LoggedEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`events ${wantedTypes.join(', ')} of order ${orderId} not in the log within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (message.key?.toString() !== orderId) return;
          events.push({
            type: message.headers?.['message-type']?.toString() ?? '',
            key: orderId,
            partition,
            payload: JSON.parse(message.value?.toString() ?? '{}'),
          });
          if (wantedTypes.every((type) => events.some((event) => event.type === type))) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return events;
  } finally {
    await consumer.disconnect();
  }
}
