import pino from 'pino';
import type { OutboxRecord, OutboxStore, RowFailure } from './outbox-store';
import { PublishAfterCommit, type RelayPath } from './publish-after-commit';

const row = (id: string, aggregateId: string, destination = 'saga.commands'): OutboxRecord => ({
  id,
  aggregate_id: aggregateId,
  message_type: 'test.message',
  message_version: 1,
  broker: 'rabbitmq',
  destination,
  routing_key: 'key',
  payload: {},
  headers: {},
  attempts: 0,
  created_at: new Date(),
});

/** A broker whose publishes the test answers one by one; a store that records what it was asked. */
function harness() {
  const publishes: { rows: OutboxRecord[]; answer: (failedIds?: string[]) => void }[] = [];
  const store = {
    marked: [] as string[],
    released: [] as string[],
    failed: [] as string[],
    markSent: async (marks: readonly { row: OutboxRecord }[]) => void store.marked.push(...marks.map(({ row: { id } }) => id)),
    endLease: async (ids: readonly string[]) => void store.released.push(...ids),
    recordFailures: async (failures: readonly RowFailure[]) => {
      store.failed.push(...failures.map(({ row: { id } }) => id));
      return 0;
    },
  };
  const relay: RelayPath = {
    publish: (rows) =>
      new Promise<RowFailure[]>((resolve) =>
        publishes.push({
          rows,
          answer: (failedIds = []) =>
            resolve(rows.filter(({ id }) => failedIds.includes(id)).map((failed) => ({ row: failed, error: 'refused', brokerUnavailable: false, retryInMs: 100 }))),
        }),
      ),
    failed: () => undefined,
  };
  const publisher = new PublishAfterCommit(['rabbitmq'], store as unknown as OutboxStore, relay, { leaseMs: 10_000, batchSize: 10, concurrency: 2, markDelayMs: 1 }, pino({ level: 'silent' }));
  publisher.start();
  return { publisher, publishes, store };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const ids = (rows: readonly OutboxRecord[]) => rows.map(({ id }) => id);

describe('PublishAfterCommit', () => {
  it('publishes an order\'s next row for a destination only once the previous one is acknowledged, other orders meanwhile', async () => {
    const { publisher, publishes } = harness();

    publisher.committed([row('a1', 'A'), row('b1', 'B'), row('a2', 'A'), row('a3', 'A', 'payments')]);
    await settle();
    expect(publishes.map((publish) => ids(publish.rows))).toEqual([['a1', 'b1', 'a3']]);

    publisher.committed([row('c1', 'C'), row('a4', 'A')]);
    await settle();
    // A second batch may go while the first waits, but not with a row of an order and destination in flight.
    expect(publishes.map((publish) => ids(publish.rows))).toEqual([['a1', 'b1', 'a3'], ['c1']]);

    publishes[0].answer();
    await settle();
    expect(ids(publishes[2].rows)).toEqual(['a2']);
    publishes[1].answer();
    publishes[2].answer();
    await settle();
    expect(ids(publishes[3].rows)).toEqual(['a4']);
  });

  it('holds a row from its commit until it is marked SENT, so the writer does not count it as unsent elsewhere', async () => {
    const { publisher, publishes, store } = harness();

    publisher.committed([row('a1', 'A')]);
    expect(publisher.heldIdsOf(['A saga.commands', 'B saga.commands'])).toEqual(['a1']);
    await settle();
    publishes[0].answer();
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(store.marked).toEqual(['a1']);
    expect(publisher.heldIdsOf(['A saga.commands'])).toEqual([]);
  });

  it('when a row is refused, then it and the later rows of its order and destination go to the relay, now and for rows committed after', async () => {
    const { publisher, publishes, store } = harness();

    publisher.committed([row('a1', 'A'), row('b1', 'B'), row('a2', 'A')]);
    await settle();
    publishes[0].answer(['a1']);
    await settle();
    await settle();

    expect(store.failed).toEqual(['a1']);
    expect(store.released).toEqual(['a2']);
    publisher.committed([row('a3', 'A'), row('b2', 'B')]);
    await settle();
    expect(store.released).toEqual(['a2', 'a3']);
    expect(publishes.slice(1).map((publish) => ids(publish.rows))).toEqual([['b2']]);
  });
});
