import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { KafkaTopics, type RedriveResult } from '@platform/messaging';
import { configured } from './support/configuration';
import { deadLettersOf } from './support/dead-letters';
import { expectInvariants } from './support/invariants';
import { groupMembers, kafka, platformHeaders, produce, readTopics } from './support/kafka';
import { eventually, http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

const balanceOf = async (customer: string) => (await http<{ balance: number }>('GET', `${urls.points}/points/${customer}`)).body.balance;

function completedEvent(orderId: string, customerId: string, totalCents: number) {
  return { orderId, customerId, totalCents, lines: [{ sku: 'log-sku', quantity: 1, unitPriceCents: totalCents }] };
}

describe('Kafka event logs', () => {
  it('are created with the configured partitions, and keep one order\'s events in one partition, in order', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...Object.values(KafkaTopics), 'orders.dlt', 'payments.dlt', 'inventory.dlt'] });
      const partitions = configured.KAFKA_TOPIC_PARTITIONS;
      expect(Object.fromEntries(topics.map(({ name, partitions }) => [name, partitions.length]))).toEqual({
        orders: partitions, payments: partitions, inventory: partitions, 'orders.dlt': partitions, 'payments.dlt': partitions, 'inventory.dlt': partitions,
      });
    } finally {
      await admin.disconnect();
    }

    const [sku, customer] = [unique('kettle'), unique('customer')];
    await putProduct(sku, 3000, 5);
    await putAccount(customer, 100_000);
    const order = await terminalOrder((await placeOrder(customer, [{ sku, quantity: 1 }])).body.id);
    expect(order.status).toBe('COMPLETED');

    const types = ['order.placed', 'order.completed', 'inventory.stock-reserved', 'inventory.stock-committed', 'payment.charged'];
    const activity = await eventually(
      async () => (await http<{ type: string; topic: string; partition: number; offset: string }[]>('GET', `${urls.order}/orders/${order.id}/activity`)).body,
      (list) => types.every((type) => list.some((event) => event.type === type)),
      { what: 'the order-activity group to read every event of the order' },
    );
    const records = await readTopics(Object.values(KafkaTopics), (record) => record.key === order.id);
    const byTopic = (topic: string) => records.filter((record) => record.topic === topic);
    expect(byTopic('orders').map(({ type }) => type)).toEqual(['order.placed', 'order.completed']);
    expect(byTopic('inventory').map(({ type }) => type)).toEqual(['inventory.stock-reserved', 'inventory.stock-committed']);
    expect(byTopic('payments').map(({ type }) => type)).toEqual(['payment.charged']);
    for (const topic of Object.values(KafkaTopics)) {
      expect(new Set(byTopic(topic).map(({ partition }) => partition)).size).toBe(1);
    }
    // The read model saw exactly the records in the log, at their positions.
    expect(activity.map(({ topic, partition, offset }) => `${topic}:${partition}:${offset}`).sort()).toEqual(
      records.map(({ topic, partition, offset }) => `${topic}:${partition}:${offset}`).sort(),
    );
    await expectInvariants({ stock: { [sku]: 5 }, customers: [customer], orders: [order] });
  });

  it('are read by two consumer groups independently: with points paused, order-activity goes on', async () => {
    expect((await groupMembers('points')).length).toBeGreaterThanOrEqual(1);
    expect((await groupMembers('order-activity')).length).toBeGreaterThanOrEqual(1);
    const [sku, customer] = [unique('toaster'), unique('customer')];
    await putProduct(sku, 2000, 5);
    await putAccount(customer, 100_000);

    expect((await http('POST', `${urls.points}/admin/kafka/consumer/pause`)).status).toBe(200);
    try {
      const order = await terminalOrder((await placeOrder(customer, [{ sku, quantity: 1 }])).body.id);
      await eventually(
        async () => (await http<{ type: string }[]>('GET', `${urls.order}/orders/${order.id}/activity`)).body,
        (list) => list.some(({ type }) => type === 'order.completed'),
        { what: 'order-activity to read the completion while points is paused' },
      );
      expect(await balanceOf(customer)).toBe(0);
    } finally {
      await http('POST', `${urls.points}/admin/kafka/consumer/resume`);
    }
    await eventually(() => balanceOf(customer), (balance) => balance === 20, { what: 'points to catch up after resume' });
  });

  it('dead-letters a poison message with its origin and error, and the partition moves on', async () => {
    const customer = unique('customer');
    const key = randomUUID();
    const poisonId = randomUUID();
    const goodOrder = randomUUID();
    // Same key, so the same partition: the good event sits right behind the poison one.
    await produce(KafkaTopics.orders, [
      { key, value: JSON.stringify({ orderId: key, customerId: customer, totalCents: -5 }), headers: platformHeaders('order.completed', key, poisonId) },
      { key, value: JSON.stringify(completedEvent(goodOrder, customer, 700)), headers: platformHeaders('order.completed', key) },
    ]);

    await eventually(() => balanceOf(customer), (balance) => balance === 7, { what: 'the event behind the poison one to be applied' });
    const letters = await eventually(
      () => deadLettersOf('points', KafkaTopics.orders),
      (list) => list.some((letter) => letter.messageId === poisonId && letter.consumer === 'points'),
      { what: 'the poison message in orders.dlt' },
    );
    const letter = letters.find((candidate) => candidate.messageId === poisonId && candidate.consumer === 'points')!;
    const [original] = await readTopics([KafkaTopics.orders], (record) => record.headers['message-id'] === poisonId);
    expect(letter).toMatchObject({
      reason: expect.stringContaining('totalCents'),
      attempts: 1,
      failedOn: { topic: 'orders', partition: original.partition, offset: String(original.offset) },
      heldIn: { topic: 'orders.dlt' },
    });
  });

  it('reads its dead letters one call at a time: a second list while one runs gets 409 at once, not a second consumer group', async () => {
    const list = () => http<unknown>('GET', `${urls.points}/admin/dead-letters/${KafkaTopics.orders}?all=true&limit=1000`);
    const statuses = (await Promise.all([list(), list()])).map(({ status }) => status).sort();

    expect(statuses).toEqual([200, 409]);
    expect((await list()).status).toBe(200);
  });

  it('re-drives dead letters back to their topic once, where they are applied once', async () => {
    const customer = unique('customer');
    const orderId = randomUUID();
    const messageId = randomUUID();
    // A letter as a group leaves it after giving up (say, while a bug was deployed): valid, never applied.
    await produce('orders.dlt', [
      {
        key: orderId,
        value: JSON.stringify(completedEvent(orderId, customer, 4200)),
        headers: {
          ...platformHeaders('order.completed', orderId, messageId),
          'x-dead-letter-reason': 'simulated: the handler failed 3 times',
          'x-dead-letter-attempts': '3',
          'x-dead-letter-consumer': 'points',
          'x-dead-letter-source': 'orders',
          'x-dead-letter-source-partition': '0',
          'x-dead-letter-source-offset': '0',
          'x-dead-lettered-at': new Date().toISOString(),
        },
      },
    ]);
    expect((await deadLettersOf('points', KafkaTopics.orders)).find((letter) => letter.messageId === messageId)).toMatchObject({
      redriven: false,
      consumer: 'points',
      reason: 'simulated: the handler failed 3 times',
    });

    // A call sends up to its limit (100) of the group's waiting letters, in partition and offset
    // order. On a stack reused across runs, older letters may be ahead of this one (poison ones come
    // back after every redrive), so it calls again while this letter waits, as an operator would
    // when told there are more.
    const waiting = async () => (await deadLettersOf('points', KafkaTopics.orders)).map((letter) => letter.messageId);
    const redriveByCli = async () =>
      JSON.parse(
        (
          await promisify(execFile)(
            process.execPath,
            [path.resolve(__dirname, '../../dist/tools/ops/dead-letters.js'), 'points', 'redrive', KafkaTopics.orders],
            { encoding: 'utf8' },
          )
        ).stdout,
      ) as RedriveResult;
    let result = await redriveByCli();
    expect(result.redriven).toBeGreaterThanOrEqual(1);
    for (let calls = 1; calls < 20 && (await waiting()).includes(messageId); calls += 1) {
      expect(result.more).toBe(true); // the letter can still wait only if the last call said more wait
      result = await redriveByCli();
    }
    await eventually(() => balanceOf(customer), (balance) => balance === 42, { what: 'the re-driven event to be applied' });
    // No longer waiting for a re-drive (`?all=true` would still list it, marked re-driven).
    expect(await waiting()).not.toContain(messageId);

    // Another re-drive sends nothing already sent; the balance stays.
    const again = await http<RedriveResult>('POST', `${urls.points}/admin/dead-letters/${KafkaTopics.orders}/redrive`);
    expect(again.status).toBe(200);
    const copies = await readTopics([KafkaTopics.orders], (record) => record.headers['message-id'] === messageId);
    expect(copies).toHaveLength(1);
    expect(await balanceOf(customer)).toBe(42);
  });
});
