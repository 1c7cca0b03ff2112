import { randomUUID } from 'node:crypto';
import { defineMessage } from '@platform/contracts';
import { SqlDatabase } from '@platform/database';
import { type MessagePublisher, type OutboundMessage, type PublishResult, RetryPolicy } from '@platform/messaging';
import {
  OutboxRelay,
  type OutboxRelayOptions,
  OutboxStore,
  OutboxWriter,
  outgoing,
  PublishAfterCommit,
  type RelayPath,
  toOutboundMessage,
} from '@platform/outbox';
import { Pool } from 'pg';
import { z } from 'zod';
import { connectPublisher, createLabDatabase, insertRows, interleavedRows, LAB, labLogger, type LabPublisher, type LabRow } from '../../tools/outbox-lab/lab';
import { drainLabQueue, firstDeliveryOrder, purgeLabQueue } from './support/lab-queue';
import { eventually } from './support/platform';

const LEASE_MS = 1_500;
const RELAY_OPTIONS: OutboxRelayOptions = {
  batchSize: 100,
  pollIntervalMs: 200,
  concurrency: 1,
  retry: RetryPolicy.exponential({ initialMs: 100, maxMs: 1_000, maxAttempts: 5 }),
  retentionMs: 60_000,
};
const labMessage = defineMessage(LAB.messageType, 1, z.object({ seq: z.number().int() }));

interface RowState {
  id: string;
  aggregate_id: string;
  seq: number;
  status: string;
  attempts: number;
  /** Published by the writing process: marked SENT before its lease ran out (the relay claims a row only after). */
  by_writer: boolean;
  leased: boolean;
}

describe('publishing outbox rows right after their commit, with the relay as the safety net (real PostgreSQL and RabbitMQ)', () => {
  let database: string;
  let pool: Pool;
  let db: SqlDatabase;
  let lab: LabPublisher;
  const logger = labLogger();

  beforeEach(async () => {
    database = await createLabDatabase('outbox_after_commit_test');
    pool = new Pool({ connectionString: database, max: 8 });
    db = new SqlDatabase({ name: 'after-commit-test', connectionString: database, maxConnections: 2, acquireTimeoutMs: 5_000 });
    lab = await connectPublisher('rabbitmq', logger);
    await purgeLabQueue();
  });

  afterEach(async () => {
    await lab.close();
    await db.end();
    await pool.end();
  });

  /** One transaction per step of `rows`, each writing its rows through the platform's writer. */
  async function writeInTransactions(writer: OutboxWriter, steps: readonly LabRow[][]): Promise<void> {
    for (const rows of steps) {
      await db.transaction(async (tx) =>
        writer.append(
          tx,
          rows.map((row) => outgoing(labMessage, { seq: row.seq }, { correlationId: row.aggregateId, destination: { broker: 'rabbitmq', exchange: LAB.exchange, routingKey: LAB.routingKey } })),
        ),
      );
    }
  }

  /** Each aggregate's rows, one transaction per position: every transaction writes the next message of every aggregate. */
  function bySeq(rows: readonly LabRow[]): LabRow[][] {
    const steps: LabRow[][] = [];
    for (const row of rows) (steps[row.seq] ??= []).push(row);
    return steps;
  }

  async function rowStates(): Promise<RowState[]> {
    const { rows } = await pool.query<RowState>(`
      SELECT id, aggregate_id, (payload->>'seq')::int AS seq, status::text, attempts,
             coalesce(sent_at < next_attempt_at, false) AS by_writer, next_attempt_at > created_at AS leased
        FROM outbox_message ORDER BY sequence`);
    return rows;
  }

  function expectInOrder(received: Awaited<ReturnType<typeof drainLabQueue>>, perAggregate: number): void {
    for (const [, seqs] of firstDeliveryOrder(received)) expect(seqs).toEqual(Array.from({ length: perAggregate }, (_, index) => index));
  }

  /** The relay's publish as PublishAfterCommit uses it, for a fast path built alone (a process about to die). */
  function relayPathOf(publisher: MessagePublisher): RelayPath {
    return {
      publish: async (rows) => {
        const results = await publisher.publish(rows.map(toOutboundMessage));
        return rows.flatMap((row, index) => {
          const result = results[index];
          return result.ok ? [] : [{ row, error: result.error, brokerUnavailable: result.brokerUnavailable ?? false, retryInMs: 100 }];
        });
      },
      failed: () => undefined,
    };
  }

  it('when transactions commit, then the writing process publishes their rows itself, before their lease ends, once each and in order per aggregate', async () => {
    const relay = new OutboxRelay(pool, [lab.publisher], { ...RELAY_OPTIONS, publishAfterCommitLeaseMs: LEASE_MS }, logger);
    relay.start();
    const writer = new OutboxWriter(relay.afterCommit);

    await writeInTransactions(writer, bySeq(interleavedRows(10, 6)));

    const states = await eventually(rowStates, (rows) => rows.every((row) => row.status === 'SENT'), { what: 'every row to be sent' });
    await relay.stop();
    expect(states.filter((row) => row.leased && row.by_writer)).toHaveLength(60);
    const received = await drainLabQueue();
    expect(received).toHaveLength(60);
    expect(new Set(received.map((message) => message.messageId))).toEqual(new Set(states.map((row) => row.id)));
    expectInOrder(received, 6);
  });

  it('when a publish fails, then the row goes back to the relay, and the later rows of its aggregate reach the queue only after it', async () => {
    const [unlucky, lucky] = [randomUUID(), randomUUID()];
    let refused = 0;
    const refusingOnce: MessagePublisher = {
      broker: 'rabbitmq',
      publish: async (messages: readonly OutboundMessage[]): Promise<PublishResult[]> => {
        const first = messages.findIndex((message) => message.correlationId === unlucky && (message.payload as { seq: number }).seq === 0);
        if (first < 0 || refused > 0) return lab.publisher.publish(messages);
        refused += 1;
        const others = await lab.publisher.publish(messages.filter((_, index) => index !== first));
        return messages.map((_, index) => (index === first ? { ok: false, error: 'refused by the test' } : others[index < first ? index : index - 1]));
      },
    };
    const relay = new OutboxRelay(pool, [refusingOnce], { ...RELAY_OPTIONS, publishAfterCommitLeaseMs: LEASE_MS }, logger);
    relay.start();
    const writer = new OutboxWriter(relay.afterCommit);

    await writeInTransactions(writer, bySeq([unlucky, lucky].flatMap((aggregateId) => Array.from({ length: 5 }, (_, seq) => ({ aggregateId, seq })))));

    const states = await eventually(rowStates, (rows) => rows.every((row) => row.status === 'SENT'), { what: 'every row to be sent' });
    await relay.stop();
    expect(refused).toBe(1);
    const [failed] = states.filter((row) => row.aggregate_id === unlucky && row.seq === 0);
    expect(failed).toMatchObject({ attempts: 1, by_writer: false });
    expect(states.filter((row) => row.aggregate_id === lucky).every((row) => row.by_writer)).toBe(true);
    const received = await drainLabQueue();
    expect(received).toHaveLength(10);
    expectInOrder(received, 5);
  });

  it('when the writing process dies between the commit and the publish, or an earlier row of the aggregate is unsent elsewhere, then the relay publishes the rows, in order, only once their lease has ended', async () => {
    await insertRows(pool, 'rabbitmq', [{ aggregateId: 'order-with-an-earlier-row', seq: 0 }]);
    const dying = new PublishAfterCommit(['rabbitmq'], new OutboxStore(pool, 5, logger), relayPathOf(lab.publisher), { leaseMs: LEASE_MS, batchSize: 100, concurrency: 2, markDelayMs: 10 }, logger);
    dying.start();
    jest.spyOn(dying, 'committed').mockImplementation(() => undefined); // the process is gone before it could publish
    const writer = new OutboxWriter(dying);

    await writeInTransactions(writer, [[{ aggregateId: 'order-with-an-earlier-row', seq: 1 }, ...interleavedRows(3, 1)], interleavedRows(3, 1).map((row) => ({ ...row, seq: 0 }))]);
    const written = await rowStates();
    // The row behind an unsent one was left to the relay at once; the others were leased to the dead process.
    expect(written.filter((row) => !row.leased).map((row) => [row.aggregate_id, row.seq])).toEqual([
      ['order-with-an-earlier-row', 0],
      ['order-with-an-earlier-row', 1],
    ]);

    const relay = new OutboxRelay(pool, [lab.publisher], RELAY_OPTIONS, logger);
    relay.start();
    const states = await eventually(rowStates, (rows) => rows.every((row) => row.status === 'SENT'), { what: 'every row to be sent' });
    await relay.stop();
    await dying.stop();
    expect(states.some((row) => row.by_writer)).toBe(false);
    const received = await drainLabQueue();
    expect(received).toHaveLength(8);
    expect(firstDeliveryOrder(received).get('order-with-an-earlier-row')).toEqual([0, 1]);
  });

  it('when the writing process dies after the broker confirmed its rows and before they were marked SENT, then the relay publishes them again after their lease, under the same ids and in order', async () => {
    const store = new OutboxStore(pool, 5, logger);
    jest.spyOn(store, 'markSent').mockRejectedValue(new Error('the process died before its SENT marks'));
    const dying = new PublishAfterCommit(['rabbitmq'], store, relayPathOf(lab.publisher), { leaseMs: LEASE_MS, batchSize: 100, concurrency: 2, markDelayMs: 10 }, logger);
    dying.start();
    const writer = new OutboxWriter(dying);

    await writeInTransactions(writer, bySeq(interleavedRows(5, 3)));
    await dying.stop();
    expect((await rowStates()).every((row) => row.status === 'PENDING' && row.leased)).toBe(true);

    const relay = new OutboxRelay(pool, [lab.publisher], RELAY_OPTIONS, logger);
    relay.start();
    const states = await eventually(rowStates, (rows) => rows.every((row) => row.status === 'SENT'), { what: 'every row to be sent' });
    await relay.stop();
    const received = await drainLabQueue();
    expect(received).toHaveLength(30);
    expect(new Set(received.map((message) => message.messageId))).toEqual(new Set(states.map((row) => row.id)));
    expectInOrder(received, 3);
  });
});
