import { randomUUID } from 'node:crypto';
import { declareTopology, metadataHeaders, Queues, rabbitTopology } from '@platform/messaging';
import * as amqp from 'amqplib';
import { platformUnderTest } from './environment';

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
