import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { queryService } from './support/database';
import { eventually, http, type OrderView, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

interface LagView {
  lag: { checkedAt: string; groups: { group: string; totalLag: number }[] } | null;
}

interface RebuildResult {
  offsets: { topic: string; partition: number; offset: number }[];
  ledgerEntriesRemoved: number;
}

const balances = async (customers: readonly string[]) =>
  Object.fromEntries(
    await Promise.all(
      customers.map(async (customer) => [customer, (await http<{ balance: number }>('GET', `${urls.points}/points/${customer}`)).body.balance]),
    ),
  );

/** Waits until a lag check made after `since` (a moment after the group was rewound) finds the points group with nothing left to read. */
async function caughtUp(since: number): Promise<void> {
  await eventually(
    async () => (await http<LagView>('GET', `${urls.points}/admin/kafka/lag`)).body.lag,
    (lag) => lag !== null && Date.parse(lag.checkedAt) > since && lag.groups.every(({ totalLag }) => totalLag === 0),
    { timeoutMs: 180_000, intervalMs: 250, what: 'the points group to replay the log to its end' },
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
    await caughtUp(Date.now());
    expect(await balances(customers)).toEqual(expected);
  });

  it('from a timestamp replays only what was written after it', async () => {
    const result = await rebuild({ from: 'timestamp', timestamp: between });
    expect(result.ledgerEntriesRemoved).toBeGreaterThanOrEqual(later.length);
    await caughtUp(Date.now());
    expect(await balances(customers)).toEqual(expected);
  });

  it('from an offset, with the command line, replays that partition from there', async () => {
    const [entry] = await queryService<{ partition: number; offset: string }>(
      'points',
      'SELECT partition, "offset" FROM points_ledger WHERE order_id = $1',
      [later[0].id],
    );
    // Run without blocking the test's event loop (spawnSync would leave its keep-alive sockets stale).
    const cli = await promisify(execFile)(
      process.execPath,
      [path.resolve(__dirname, '../../dist/tools/ops/points-rebuild.js'), '--offset', `${entry.partition}:${entry.offset}`],
      { encoding: 'utf8', timeout: 180_000 },
    );
    expect(cli.stdout).toMatch(/caught up in/);
    expect(JSON.parse(/rewound: (.*)/.exec(cli.stdout)![1])).toMatchObject({
      offsets: [{ topic: 'orders', partition: entry.partition, offset: Number(entry.offset) }],
      ledgerEntriesRemoved: expect.any(Number),
    });
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
