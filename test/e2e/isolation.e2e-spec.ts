import { Exchanges, Queues } from '@platform/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { answers } from '../../tools/stack/infrastructure';
import { run, runProcess } from './support/commands';
import { queryService } from './support/database';
import { otherInstance, platformUnderTest } from './support/environment';
import { eventually, placeOrder, putAccount, putProduct, terminalOrder, unique } from './support/platform';

type Addresses = typeof platformUnderTest;

/** How many orders with this id an instance's order database holds; 0 when that database does not exist. */
async function ordersWithId(instance: Addresses, orderId: string): Promise<number> {
  const client = new Client({ connectionString: instance.databaseUrl('order') });
  try {
    await client.connect();
  } catch (error) {
    if ((error as { code?: string }).code === '3D000') return 0; // no such database: that instance never ran here
    throw error;
  }
  try {
    return (await client.query('SELECT 1 FROM orders WHERE id = $1', [orderId])).rowCount ?? 0;
  } finally {
    await client.end();
  }
}

async function seenKeysIn(instance: Addresses, messageId: string): Promise<string[]> {
  const output = await run('redis-cli', ['-n', String(instance.redisDatabase), '--scan', '--pattern', `inbox:*:${messageId}`]);
  return output.split('\n').filter(Boolean);
}

/** The sum of the high watermarks of the orders topic, or null when that broker is not running. */
async function ordersLogEnd(instance: Addresses): Promise<number | null> {
  const [host, port] = instance.kafkaBrokers[0].split(':');
  if (!(await answers(host, Number(port)))) return null;
  const admin = new Kafka({ clientId: 'e2e-isolation', brokers: instance.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata();
    if (!topics.some(({ name }) => name === 'orders')) return 0;
    return (await admin.fetchTopicOffsets('orders')).reduce((sum, { high }) => sum + Number(high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The reminder delay queues bound to the order.placed fanout in a vhost, or null when the vhost does not exist. */
async function remindersOnOrderPlaced(vhost: string): Promise<string[] | null> {
  const listed = await runProcess('rabbitmqctl', ['list_bindings', '-q', '-p', vhost, 'source_name', 'destination_name'], { timeoutMs: 60_000 });
  if (listed.status !== 0) {
    if (/no_such_vhost|does not exist/i.test(listed.stderr + listed.stdout)) return null;
    throw new Error(`rabbitmqctl list_bindings -p ${vhost} failed: ${listed.stderr}`);
  }
  return listed.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([source, destination]) => source === Exchanges.orderPlaced && destination.startsWith(`${Queues.notificationOrderEvents}.remind-after-`))
    .map(([, destination]) => destination);
}

describe("the suites and npm start's platform", () => {
  it('never share data: an order placed here is stored, deduplicated and published only in the instance under test', async () => {
    const otherLogEndBefore = await ordersLogEnd(otherInstance);
    const ownLogEndBefore = await ordersLogEnd(platformUnderTest);
    const [sku, customer] = [unique('kettle'), unique('customer')];
    await putProduct(sku, 1_000, 10);
    await putAccount(customer, 100_000);
    const order = await terminalOrder((await placeOrder(customer, [{ sku, quantity: 1 }])).body.id);

    expect(await ordersWithId(platformUnderTest, order.id)).toBe(1);
    expect(await ordersWithId(otherInstance, order.id)).toBe(0);

    const [placed] = await queryService<{ id: string }>(
      'order',
      "SELECT id FROM outbox_message WHERE aggregate_id = $1 AND message_type = 'order.placed'",
      [order.id],
    );
    expect(await eventually(() => seenKeysIn(platformUnderTest, placed.id), (keys) => keys.length > 0, { what: 'a consumer to remember order.placed in Redis' })).not.toHaveLength(0);
    expect(await seenKeysIn(otherInstance, placed.id)).toEqual([]);

    expect(await ordersLogEnd(platformUnderTest)).toBeGreaterThan(ownLogEndBefore ?? 0);
    expect(await ordersLogEnd(otherInstance)).toBe(otherLogEndBefore);
  });

  it('leave one reminder queue bound to order.placed in each instance: the one its notification service is configured for', async () => {
    expect(await remindersOnOrderPlaced(platformUnderTest.rabbitVhost)).toHaveLength(1);
    // null: the other instance never ran on this broker.
    expect((await remindersOnOrderPlaced(otherInstance.rabbitVhost))?.length ?? 0).toBeLessThanOrEqual(1);
  });
});
