import { randomUUID } from 'node:crypto';
import { declareTopology, Exchanges, rabbitTopology } from '@platform/messaging';
import { OutboxJanitor } from '@platform/outbox';
import * as amqp from 'amqplib';
import { Pool } from 'pg';
import { createLabDatabase, labLogger } from '../../tools/outbox-lab/lab';
import { queryService } from './support/database';
import { eventually, http, urls } from './support/platform';
import { platformUnderTest } from './support/environment';

interface FailedMessage {
  id: string;
  messageType: string;
  routingKey: string;
  lastError: string;
}

async function statusOf(id: string): Promise<string | undefined> {
  const [row] = await queryService<{ status: string }>('notification', 'SELECT status FROM outbox_message WHERE id = $1', [id]);
  return row?.status;
}

describe('operating the outbox', () => {
  it('when a message cannot be delivered, then it is parked, listed for an operator, and sent once the cause is fixed', async () => {
    const id = randomUUID();
    const routingKey = `e2e.nobody-listens.${id}`;
    // A row whose attempts are already used up, to an address no queue is bound to yet.
    await queryService(
      'notification',
      `INSERT INTO outbox_message (id, aggregate_id, message_type, message_version, broker, destination, routing_key, payload, attempts)
       VALUES ($1, $2, 'e2e.probe', 1, 'rabbitmq', $3, $4, '{"probe": true}', 1000)`,
      [id, randomUUID(), Exchanges.sagaCommands, routingKey],
    );
    await queryService('notification', "SELECT pg_notify('outbox_message_inserted', '')");

    await eventually(() => statusOf(id), (status) => status === 'FAILED', { what: 'the row to be parked as FAILED' });
    const listed = await http<FailedMessage[]>('GET', `${urls.notification}/admin/outbox/failed?limit=1000`);
    expect(listed.status).toBe(200);
    expect(listed.body).toContainEqual(
      expect.objectContaining({ id, messageType: 'e2e.probe', routingKey, lastError: expect.stringContaining('unroutable') }),
    );
    // Pages are keyset pages: the page after the row before it starts with it.
    const [{ sequence }] = await queryService<{ sequence: string }>('notification', 'SELECT sequence::text FROM outbox_message WHERE id = $1', [id]);
    const page = await http<FailedMessage[]>('GET', `${urls.notification}/admin/outbox/failed?limit=1&after=${BigInt(sequence) - 1n}`);
    expect(page.body.map((row) => row.id)).toEqual([id]);
    expect((await http('GET', `${urls.notification}/admin/outbox/failed?limit=1001`)).status).toBe(400);
    const metrics = await (await fetch(`${urls.notification}/metrics`)).text();
    expect(metrics).toMatch(/^outbox_messages_failed_total\{service="notification"\} [1-9]/m);

    // The operator fixes the cause (here: a queue for that key), then sends the message again.
    const connection = await amqp.connect(platformUnderTest.rabbitUrl);
    try {
      const channel = await connection.createChannel();
      await declareTopology(channel, rabbitTopology);
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, Exchanges.sagaCommands, routingKey);

      const retried = await http<{ retried: number }>('POST', `${urls.notification}/admin/outbox/failed/retry`, { ids: [id] });
      expect(retried.body).toEqual({ retried: 1 });
      await eventually(() => statusOf(id), (status) => status === 'SENT', { what: 'the retried row to be sent' });
      const delivered = await eventually(() => channel.get(queue, { noAck: true }), (message) => message !== false, {
        what: 'the message in the queue',
      });
      expect(delivered && delivered.properties.messageId).toBe(id);
    } finally {
      await connection.close();
    }
  });

  it('refuses a retry request that does not name message ids', async () => {
    const result = await http<{ fields: { field: string }[] }>('POST', `${urls.notification}/admin/outbox/failed/retry`, { ids: ['nope'] });

    expect(result.status).toBe(400);
    expect(result.body.fields).toEqual([expect.objectContaining({ field: 'ids.0' })]);
  });

  it('deletes sent rows past their retention and keeps the rest', async () => {
    const pool = new Pool({ connectionString: await createLabDatabase('outbox_retention_test') });
    try {
      const insert = (status: string, sentHoursAgo: number | null) =>
        pool.query(
          `INSERT INTO outbox_message (id, aggregate_id, message_type, message_version, broker, destination, routing_key, payload, status, sent_at)
           VALUES ($1, 'a', 't', 1, 'rabbitmq', 'x', 'k', '{}', $2, now() - make_interval(hours => $3)) RETURNING id`,
          [randomUUID(), status, sentHoursAgo ?? 0],
        );
      await insert('SENT', 30);
      await insert('SENT', 1);
      await insert('FAILED', 30);
      await insert('PENDING', 30);
      const janitor = new OutboxJanitor(pool, 24 * 3_600_000, async () => undefined, labLogger());

      expect(await janitor.deleteExpired()).toBe(1);
      const { rows } = await pool.query<{ status: string }>('SELECT status FROM outbox_message ORDER BY status');
      expect(rows.map((row) => row.status)).toEqual(['PENDING', 'SENT', 'FAILED']);
    } finally {
      await pool.end();
    }
  });
});
