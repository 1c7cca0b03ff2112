import { randomUUID } from 'node:crypto';
import { declareTopology, metadataHeaders, Queues, rabbitTopology } from '@platform/messaging';
import * as amqp from 'amqplib';
import { http, urls } from './platform';
import { platformUnderTest } from './environment';

export interface DeadLetter {
  messageId: string;
  reason: string;
  attempts: number | null;
  payload: unknown;
}

/** Publishes one message straight to RabbitMQ, past every outbox: how a foreign or broken producer looks. */
export async function publishRaw(
  exchange: string,
  routingKey: string,
  type: string,
  body: string | object,
  headers: Record<string, unknown> = {},
  { messageId = randomUUID(), correlationId = randomUUID() } = {},
) {
  const connection = await amqp.connect(platformUnderTest.rabbitUrl);
  try {
    const channel = await connection.createConfirmChannel();
    await declareTopology(channel, rabbitTopology);
    const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const metadata = { messageId, type, version: 1, correlationId, occurredAt: new Date().toISOString(), replyTo: Queues.orderSagaReplies };
    channel.publish(exchange, routingKey, content, {
      persistent: true,
      messageId,
      type,
      correlationId,
      headers: { ...metadataHeaders(metadata), ...headers },
    });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
  return { messageId, correlationId };
}

export const deadLettersOf = async (service: keyof typeof urls, queue: string) =>
  (await http<DeadLetter[]>('GET', `${urls[service]}/admin/dead-letters/${queue}?limit=1000`)).body;
