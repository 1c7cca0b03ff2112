import { randomUUID } from 'node:crypto';
import { Exchanges, Queues } from '@platform/messaging';
import { Client } from 'pg';
import { queryService } from './support/database';
import { expectInvariants } from './support/invariants';
import { counterOf } from './support/metrics';
import { eventually, type OrderView, placeOrder, putAccount, putProduct, terminalOrder, unique } from './support/platform';
import { killAndAwaitRestart, pause } from './support/processes';
import { deadLettersOf } from './support/dead-letters';
import { rabbitAttempts } from './support/configuration';
import { publishRaw } from './support/rabbitmq';
import { platformUnderTest } from './support/environment';

/**
 * Inventory handles the ReserveStock commands of its prefetch window in one transaction. These
 * tests pile commands up in front of it (by freezing it, or by holding a lock its batch needs) so
 * that they really arrive together, then break the batch in each way the guarantees must survive.
 */
describe('consumers that handle a batch of messages in one transaction', () => {
  it('when a poison command sits in a batch of good ones, then it alone is dead-lettered and every other order completes once', async () => {
    const { skus, stock, customers } = await catalogue(2, 50);
    const splitsBefore = await counterOf('inventory', 'consumer_batch_splits_total');

    let poison: { messageId: string } | undefined;
    const placed = await ordersWaitingForInventory(10, skus, customers, async () => {
      // Valid by contract, yet it cannot be applied: the same sku twice breaks the reservation's primary key.
      poison = await publishRaw(Exchanges.sagaCommands, 'inventory.reserve-stock', 'inventory.reserve-stock', {
        orderId: randomUUID(),
        items: [
          { sku: skus[0], quantity: 1 },
          { sku: skus[0], quantity: 1 },
        ],
      });
    });

    const orders = await Promise.all(placed.map((id) => terminalOrder(id, 60_000)));
    expect(orders.map((order) => order.status)).toEqual(placed.map(() => 'COMPLETED'));
    const deadLetters = await eventually(
      () => deadLettersOf('inventory', Queues.inventoryCommands),
      (list) => list.some((letter) => letter.messageId === poison!.messageId),
      { timeoutMs: 90_000, what: 'the poison command to use up its retries' },
    );
    const letter = deadLetters.find((candidate) => candidate.messageId === poison!.messageId)!;
    expect(letter.reason).toMatch(/unique constraint/i);
    expect(letter.attempts).toBe(rabbitAttempts);
    expect(await counterOf('inventory', 'consumer_batch_splits_total')).toBeGreaterThan(splitsBefore);
    await expectInvariants({ stock, customers, orders });
  });

  it('when the consumer dies in the middle of a batch, then the batch is redelivered and every order ends once', async () => {
    const { skus, stock, customers } = await catalogue(2, 50);
    const lock = await holdProductLock(skus[1]);
    try {
      const placed = await ordersWaitingForInventory(12, skus, customers);
      // The batch has claimed its inbox rows and reserved the free product; it now waits for the locked one.
      await lock.blockedConsumer();
      await killAndAwaitRestart('inventory');
      await lock.release();

      const orders = await Promise.all(placed.map((id) => terminalOrder(id, 90_000)));
      expect(orders.map((order) => order.status)).toEqual(placed.map(() => 'COMPLETED'));
      await expectInvariants({ stock, customers, orders });
    } finally {
      await lock.release();
    }
  });

  it('when the database fails a batch transiently, then the whole batch is tried again, not split', async () => {
    const { skus, stock, customers } = await catalogue(2, 50);
    const [retriesBefore, splitsBefore] = await Promise.all([
      counterOf('inventory', 'consumer_batch_retries_total'),
      counterOf('inventory', 'consumer_batch_splits_total'),
    ]);
    const lock = await holdProductLock(skus[1]);
    try {
      const placed = await ordersWaitingForInventory(12, skus, customers);
      // What a failover or a restarting database looks like to the consumer: its connection is cut mid-transaction.
      const backend = await lock.blockedConsumer();
      await lock.terminate(backend);
      await eventually(
        () => counterOf('inventory', 'consumer_batch_retries_total'),
        (retries) => retries > retriesBefore,
        { what: 'inventory to try its batch again' },
      );
      await lock.release();

      const orders = await Promise.all(placed.map((id) => terminalOrder(id, 60_000)));
      expect(orders.map((order) => order.status)).toEqual(placed.map(() => 'COMPLETED'));
      expect(await counterOf('inventory', 'consumer_batch_splits_total')).toBe(splitsBefore);
      await expectInvariants({ stock, customers, orders });
    } finally {
      await lock.release();
    }
  });

  it('when 200 buyers post at the same moment, then every one gets 202 and every order ends', async () => {
    const { skus, stock, customers } = await catalogue(4, 1_000, 20);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) => placeOrder(customers[index % customers.length], [{ sku: skus[index % skus.length], quantity: 1 }])),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));

    const orders: OrderView[] = await Promise.all(answers.map((answer) => terminalOrder(answer.body.id, 120_000)));
    expect(orders.map((order) => order.status)).toEqual(orders.map(() => 'COMPLETED'));
    await expectInvariants({ stock, customers, orders });
  });
});

async function catalogue(products: number, units: number, buyers = 2) {
  const skus = Array.from({ length: products }, () => unique('batch-sku'));
  const customers = Array.from({ length: buyers }, () => unique('batch-buyer'));
  await Promise.all([...skus.map((sku) => putProduct(sku, 250, units)), ...customers.map((customer) => putAccount(customer, 10_000_000))]);
  return { skus, customers, stock: Object.fromEntries(skus.map((sku) => [sku, units])) };
}

/**
 * Places orders while inventory is frozen, waits until their ReserveStock commands wait in its
 * queue (with whatever `alsoQueue` adds behind them), then lets inventory go: they reach it together.
 */
async function ordersWaitingForInventory(
  count: number,
  skus: readonly string[],
  customers: readonly string[],
  alsoQueue: () => Promise<void> = async () => undefined,
): Promise<string[]> {
  const resume = await pause('inventory');
  try {
    const placed = await placeOrders(count, skus, customers);
    await reserveCommandsPublished(placed);
    await alsoQueue();
    return placed;
  } finally {
    resume();
  }
}

async function placeOrders(count: number, skus: readonly string[], customers: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const placed = await placeOrder(customers[index % customers.length], [{ sku: skus[index % skus.length], quantity: 1 }]);
    expect(placed.status).toBe(202);
    ids.push(placed.body.id);
  }
  return ids;
}

/** Waits until the order service's relay has handed every order's ReserveStock to RabbitMQ. */
async function reserveCommandsPublished(orderIds: readonly string[]): Promise<void> {
  await eventually(
    () =>
      queryService<{ sent: string }>(
        'order',
        `SELECT count(*) AS sent FROM outbox_message
          WHERE message_type = 'inventory.reserve-stock' AND status = 'SENT' AND aggregate_id = ANY($1::text[])`,
        [orderIds],
      ),
    ([row]) => Number(row.sent) === orderIds.length,
    { what: 'every ReserveStock command to be published' },
  );
}

/**
 * Locks one product row in the inventory database, as a long transaction of an operator would,
 * so a batch that reserves it stops in the middle of its transaction. NO KEY UPDATE leaves the
 * row's key free, so other consumers' foreign-key checks on it do not wait.
 */
async function holdProductLock(sku: string) {
  const client = new Client({ connectionString: platformUnderTest.databaseUrl('inventory') });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM product WHERE sku = $1 FOR NO KEY UPDATE', [sku]);
  let released = false;
  return {
    /** The pid of the inventory consumer's backend that waits for this lock. */
    async blockedConsumer(): Promise<number> {
      // Asked outside the lock's transaction: PostgreSQL keeps a transaction's first look at
      // pg_stat_activity until it ends, so asking in there would see the batch waiting only if it
      // already was the first time.
      const [blocked] = await eventually(
        () =>
          queryService<{ pid: number }>(
            'inventory',
            `SELECT pid FROM pg_stat_activity WHERE application_name = 'inventory-consumers' AND wait_event_type = 'Lock'`,
          ),
        (rows) => rows.length > 0,
        { what: "inventory's batch to wait for the locked product" },
      );
      return blocked.pid;
    },
    async terminate(pid: number): Promise<void> {
      await client.query('SELECT pg_terminate_backend($1)', [pid]);
    },
    async release(): Promise<void> {
      if (released) return;
      released = true;
      await client.query('COMMIT');
      await client.end();
    },
  };
}
