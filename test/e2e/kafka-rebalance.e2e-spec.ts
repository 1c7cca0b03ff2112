import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { configured } from './support/configuration';
import { expectInvariants } from './support/invariants';
import { groupMembers } from './support/kafka';
import { eventually, type OrderView, placeOrder, putAccount, putProduct, terminalOrder, unique } from './support/platform';
import { platformUnderTest } from './support/environment';

const SECOND_POINTS_PORT = 3014;

function startSecondPoints(): ChildProcess {
  return spawn(process.execPath, [path.resolve(__dirname, '../../dist/apps/points/src/main.js')], {
    env: { ...process.env, PORT: String(SECOND_POINTS_PORT), DATABASE_URL: platformUnderTest.databaseUrl('points'), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

const partitionsPerMember = async () => (await groupMembers('points')).map(({ partitions }) => partitions.length).sort((a, b) => a - b);
/** The points group reads one topic: one member holds all its partitions, two split them as evenly as they go. */
const PARTITIONS = configured.KAFKA_TOPIC_PARTITIONS;

describe('two points instances in one consumer group', () => {
  let second: ChildProcess | undefined;
  afterEach(() => second?.kill('SIGKILL'));

  it('share the partitions, and when one dies mid-flow the other takes over without counting an event twice', async () => {
    const [sku, customers] = [unique('pen'), [unique('customer'), unique('customer'), unique('customer')]];
    await putProduct(sku, 100, 1_000);
    for (const customer of customers) await putAccount(customer, 1_000_000);
    const placeBatch = async (count: number, quantity: number): Promise<OrderView[]> => {
      const placed = await Promise.all(
        Array.from({ length: count }, (_, index) => placeOrder(customers[index % customers.length], [{ sku, quantity }])),
      );
      return Promise.all(placed.map(({ body }) => terminalOrder(body.id, 60_000)));
    };

    second = startSecondPoints();
    await eventually(() => ready(SECOND_POINTS_PORT), Boolean, { timeoutMs: 60_000, what: 'the second points instance to be ready' });
    // The group rebalanced: its partitions split between two members.
    const split = [Math.floor(PARTITIONS / 2), Math.ceil(PARTITIONS / 2)].join();
    await eventually(partitionsPerMember, (counts) => counts.join() === split, { timeoutMs: 60_000, what: 'a rebalance over two members' });

    const before = await placeBatch(15, 1);
    // SIGKILL: no leave-group, no final commit; what it had read but not committed is read again by the survivor.
    second.kill('SIGKILL');
    const after = await placeBatch(15, 2);
    await eventually(partitionsPerMember, (counts) => counts.join() === String(PARTITIONS), {
      timeoutMs: 60_000,
      what: 'the survivor to take every partition',
    });

    const orders = [...before, ...after];
    expect(orders.every(({ status }) => status === 'COMPLETED')).toBe(true);
    // expectInvariants checks each customer's balance = sum of floor(total / 100) over their completed orders.
    await expectInvariants({ stock: { [sku]: 1_000 }, customers, orders });
  });
});
