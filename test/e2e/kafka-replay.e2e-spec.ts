import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { queryService } from './support/database';
import { eventually, http, type OrderView, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

interface Position {
  topic: string;
  partition: number;
  offset: number;
}

interface LagView {
  lag: {
    checkedAt: string;
    partitions: { topic: string; partition: number; committedOffset: number | null; logStartOffset: number }[];
  } | null;
}

interface RebuildResult {
  offsets: Position[];
  until: Position[];
  ledgerEntriesRemoved: number;
}

const balances = async (customers: readonly string[]) =>
  Object.fromEntries(
    await Promise.all(
      customers.map(async (customer) => [customer, (await http<{ balance: number }>('GET', `${urls.points}/points/${customer}`)).body.balance]),
    ),
  );

/** Waits until a lag check made after the rewind sees the group committed up to where the log ended at the rewind. */
async function caughtUp({ until }: RebuildResult, rewoundAt: number): Promise<void> {
  await eventually(
    async () => (await http<LagView>('GET', `${urls.points}/admin/kafka/lag`)).body.lag,
    (lag) =>
      lag !== null &&
      Date.parse(lag.checkedAt) > rewoundAt &&
      until.every(({ topic, partition, offset }) =>
        lag.partitions.some(
          (seen) => seen.topic === topic && seen.partition === partition && (seen.committedOffset ?? seen.logStartOffset) >= offset,
        ),
      ),
    { timeoutMs: 180_000, intervalMs: 250, what: 'the points group to replay the log to where it ended at the rewind' },
  );
}

async function rebuild(body: unknown): Promise<RebuildResult> {
  const result = await http<RebuildResult>('POST', `${urls.points}/admin/points/rebuild`, body);
  expect(result.status).toBe(200);
  return result.body;
}

describe('rebuilding the points projection from the orders log', () => {
  const customers = [unique('customer'), unique('customer'), unique('customer')];
  let earlier: OrderView[] = [];
  let later: OrderView[] = [];
  let between = '';
  let expected: Record<string, number> = {};

  const placeFor = async (sku: string, quantity: number) =>
    Promise.all(
      (await Promise.all(customers.map((customer) => placeOrder(customer, [{ sku, quantity }])))).map(({ body }) => terminalOrder(body.id)),
    );

  beforeAll(async () => {
    const sku = unique('book');
    await putProduct(sku, 1234, 100);
    for (const customer of customers) await putAccount(customer, 1_000_000);
    earlier = await placeFor(sku, 1);
    await eventually(() => balances(customers), (seen) => Object.values(seen).every((balance) => balance === 12), {
      what: 'the first orders to earn points',
    });
    between = new Date().toISOString();
    later = await placeFor(sku, 2);
    expected = await eventually(() => balances(customers), (seen) => Object.values(seen).every((balance) => balance === 12 + 24), {
      what: 'the second orders to earn points',
    });
  });

  it('from the beginning gives every balance back', async () => {
    const result = await rebuild({ from: 'beginning' });
    expect(result.ledgerEntriesRemoved).toBeGreaterThanOrEqual(earlier.length + later.length);
    await caughtUp(result, Date.now());
    expect(await balances(customers)).toEqual(expected);
  });

  it('from a timestamp replays only what was written after it', async () => {
    const writtenAt = async (orders: readonly OrderView[]) =>
      (
        await queryService<{ order_id: string; created_at: Date }>(
          'points',
          'SELECT order_id, created_at FROM points_ledger WHERE order_id = ANY($1) ORDER BY order_id',
          [orders.map(({ id }) => id)],
        )
      ).map(({ order_id, created_at }) => ({ orderId: order_id, at: created_at.getTime() }));
    const earlierBefore = await writtenAt(earlier);
    const laterBefore = await writtenAt(later);

    const result = await rebuild({ from: 'timestamp', timestamp: between });
    expect(result.ledgerEntriesRemoved).toBeGreaterThanOrEqual(later.length);
    await caughtUp(result, Date.now());

    expect(await balances(customers)).toEqual(expected);
    // The earlier orders' entries were left as they were; the later ones were deleted and written again.
    expect(await writtenAt(earlier)).toEqual(earlierBefore);
    const laterAfter = await writtenAt(later);
    expect(laterAfter.map(({ orderId }) => orderId)).toEqual(laterBefore.map(({ orderId }) => orderId));
    laterAfter.forEach(({ at }, index) => expect(at).toBeGreaterThan(laterBefore[index].at));
  });

  it('refuses a second rebuild until the first has caught up, so rebuilds cannot be stacked', async () => {
    // Paused, the group cannot catch up: the refusal does not depend on how fast the replay is.
    expect((await http('POST', `${urls.points}/admin/kafka/consumer/pause`)).status).toBe(200);
    let first: RebuildResult;
    try {
      first = await rebuild({ from: 'timestamp', timestamp: between });
      const second = await http<{ message: string }>('POST', `${urls.points}/admin/points/rebuild`, { from: 'beginning' });

      expect(second.status).toBe(409);
      expect(second.body.message).toMatch(/previous replay has not caught up/);
    } finally {
      expect((await http('POST', `${urls.points}/admin/kafka/consumer/resume`)).status).toBe(200);
    }
    await caughtUp(first, Date.now());
    expect(await balances(customers)).toEqual(expected);
  });

  it('from an offset, with the command line, replays that partition from there', async () => {
    const ledgerRow = () =>
      queryService<{ partition: number; offset: string; created_at: Date }>(
        'points',
        'SELECT partition, "offset", created_at FROM points_ledger WHERE order_id = $1',
        [later[0].id],
      );
    const [entry] = await ledgerRow();
    // Run without blocking the test's event loop (spawnSync would leave its keep-alive sockets stale).
    const cli = await promisify(execFile)(
      process.execPath,
      [path.resolve(__dirname, '../../dist/tools/ops/points-rebuild.js'), '--offset', `${entry.partition}:${entry.offset}`],
      { encoding: 'utf8', timeout: 180_000 },
    );
    expect(cli.stdout).toMatch(/caught up in/);
    const result = JSON.parse(/rewound: (.*)/.exec(cli.stdout)![1]) as RebuildResult;
    expect(result.offsets).toEqual([{ topic: 'orders', partition: entry.partition, offset: Number(entry.offset) }]);
    expect(result.ledgerEntriesRemoved).toBeGreaterThanOrEqual(1);
    // The entry the rebuild started from was deleted and written again by the replay, at the same place in the log.
    const [rewritten] = await ledgerRow();
    expect(rewritten).toMatchObject({ partition: entry.partition, offset: entry.offset });
    expect(rewritten.created_at.getTime()).toBeGreaterThan(entry.created_at.getTime());
    expect(await balances(customers)).toEqual(expected);
    const [ledger] = await queryService<{ count: string }>('points', 'SELECT count(*) FROM points_ledger WHERE customer_id = ANY($1)', [customers]);
    expect(Number(ledger.count)).toBe(earlier.length + later.length);
  });

  it('refuses a malformed request, naming the field, and changes nothing', async () => {
    const result = await http<{ fields: { field: string }[] }>('POST', `${urls.points}/admin/points/rebuild`, { from: 'timestamp', timestamp: 'yesterday' });
    expect(result.status).toBe(400);
    expect(result.body.fields.map(({ field }) => field)).toEqual(['timestamp']);
    expect(await balances(customers)).toEqual(expected);
  });
});
