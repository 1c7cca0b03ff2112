import {
  createKafka,
  KafkaPublisher,
  type OutboundMessage,
  type PublishResult,
  RabbitConnection,
  RabbitPublisher,
  rabbitTopology,
} from '@platform/messaging';
import { OUTBOX_RECORD_COLUMNS, type OutboxRecord, toOutboundMessage } from '@platform/outbox';
import pino from 'pino';
import { SERVICES } from '../../../tools/stack/stack.config';
import { queryService } from './database';
import { platformUnderTest } from './environment';
import { eventually } from './platform';

/** Every message the services published about these orders, as their outboxes recorded them. */
export async function publishedMessagesAbout(orderIds: readonly string[]): Promise<OutboundMessage[]> {
  const rows = await Promise.all(
    SERVICES.map(({ name }) =>
      queryService<OutboxRecord>(
        name,
        `SELECT ${OUTBOX_RECORD_COLUMNS} FROM outbox_message m
          WHERE m.status = 'SENT' AND m.aggregate_id = ANY($1) ORDER BY m.sequence`,
        [orderIds],
      ),
    ),
  );
  return rows.flat().map(toOutboundMessage);
}

/** Publishes messages again, straight to the brokers, byte for byte as the relays did (same ids, same headers). */
export async function publishAgain(messages: readonly OutboundMessage[]): Promise<void> {
  const failed = (await publishDirectly(messages)).filter((result) => !result.ok);
  if (failed.length > 0) throw new Error(`republishing failed: ${JSON.stringify(failed[0])}`);
}

/**
 * Publishes messages with the platform's own publishers, as a relay would, and returns what each
 * broker answered (a confirm, or why not: e.g. unroutable).
 */
export async function publishDirectly(messages: readonly OutboundMessage[]): Promise<PublishResult[]> {
  const logger = pino({ level: 'warn' });
  const connection = new RabbitConnection(
    { urls: platformUnderTest.rabbitUrls, connectionName: 'e2e-publisher', topology: rabbitTopology },
    logger,
  );
  const rabbit = new RabbitPublisher(connection, logger);
  connection.start();
  const kafka = new KafkaPublisher(createKafka({ clientId: 'e2e-publisher', brokers: platformUnderTest.kafkaBrokers }, logger), logger);
  try {
    await eventually(async () => connection.isConnected, (connected) => connected, { intervalMs: 50, what: 'the publisher to connect to RabbitMQ' });
    await kafka.connect();
    const results: PublishResult[] = [];
    for (const message of messages) {
      const publisher = message.destination.broker === 'rabbitmq' ? rabbit : kafka;
      results.push(...(await publisher.publish([message])));
    }
    return results;
  } finally {
    await kafka.disconnect();
    await connection.stop();
  }
}
