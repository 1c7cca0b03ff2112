import { randomUUID } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { prepared, type SqlStatement, sql, SqlDatabase } from '@platform/database';
import { IdempotentConsumer } from '@platform/idempotency';
import type { InboundMessage } from '@platform/messaging';
import { OutboxRelay } from '@platform/outbox';
import { Pool } from 'pg';
import { createLabDatabase, insertRows, interleavedRows, LAB, labLogger } from '../../tools/outbox-lab/lab';
import { eventually } from './support/platform';
import { drainLabQueue, firstDeliveryOrder, purgeLabQueue, type Received } from './support/lab-queue';
import { LAB_RELAY_OPTIONS } from './support/lab-relay';

const relayEntry = path.resolve(__dirname, '../../dist/tools/outbox-lab/relay-process.js');

function startRelay(database: string, ...flags: string[]): { process: ChildProcess; exited: Promise<NodeJS.Signals | number> } {
  const child = spawn(process.execPath, [relayEntry, '--database', database, '--broker', 'rabbitmq', ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)));
  return { process: child, exited };
}

async function ready(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
}

async function stopRelay(relay: ReturnType<typeof startRelay>): Promise<void> {
  relay.process.kill('SIGTERM');
  await relay.exited;
}

async function countByStatus(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; count: string }>('SELECT status, count(*) FROM outbox_message GROUP BY status');
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

function expectInOrderPerAggregate(received: readonly Received[], perAggregate: number): void {
  for (const [, seqs] of firstDeliveryOrder(received)) {
    expect(seqs).toEqual(Array.from({ length: perAggregate }, (_, index) => index));
  }
}

describe('the outbox relay on the real PostgreSQL and RabbitMQ', () => {
  let database: string;
  let pool: Pool;

  beforeEach(async () => {
    database = await createLabDatabase('outbox_relay_test');
    pool = new Pool({ connectionString: database, max: 4 });
    await purgeLabQueue();
  });

  afterEach(async () => {
    await pool.end();
  });

  it('when the relay is SIGKILLed after publishing and before committing the SENT marks, then after a restart nothing is lost and the copies change nothing downstream', async () => {
    const rows = interleavedRows(50, 10);
    const ids = await insertRows(pool, 'rabbitmq', rows);

    const crashing = startRelay(database, '--crash-after-publish', '--batch-size', '100');
    expect(await crashing.exited).toBe('SIGKILL');
    // The broker confirmed a batch, but the relay died before recording it: nothing is marked sent.
    expect(await countByStatus(pool)).toEqual({ PENDING: 500 });

    const relay = startRelay(database);
    await eventually(() => countByStatus(pool), (counts) => counts.SENT === 500, { what: 'every row to be sent' });
    await stopRelay(relay);

    // The crashed batch (the first message of each of the 50 orders, the only ones claimable at
    // first) was published twice: 550 deliveries, carrying the 500 ids.
    const received = await drainLabQueue();
    expect(received).toHaveLength(550);
    expect(new Set(received.map((message) => message.messageId))).toEqual(new Set(ids));
    expectInOrderPerAggregate(received, 10);

    // A consumer guarded by the inbox applies each message once, however many copies arrive.
    const db = new SqlDatabase({ name: 'lab-consumer', connectionString: database, maxConnections: 1, acquireTimeoutMs: 5_000 });
    try {
      const inbox = new IdempotentConsumer((work) => db.transaction(work), null);
      const outcomes: string[] = [];
      for (const message of received) {
        const inbound: InboundMessage = {
          messageId: message.messageId,
          type: LAB.messageType,
          version: 1,
          correlationId: message.aggregateId,
          occurredAt: new Date().toISOString(),
          payload: { seq: message.seq },
          source: LAB.queue,
        };
        outcomes.push(
          await inbox.handleOnce(inbound, 'lab-consumer', async (tx) => {
            await tx.execute(sql`
              INSERT INTO notification (id, order_id, customer_id, channel, template, status, body)
              VALUES (${message.messageId}::uuid, ${message.aggregateId}, 'lab', 'email', ${`seq-${message.seq}`}, 'SENT', '')`);
          }),
        );
      }
      expect(outcomes.filter((outcome) => outcome === 'processed')).toHaveLength(500);
      expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(received.length - 500);
      const [{ count }] = await db.query<{ count: string }>('SELECT count(*) FROM notification');
      expect(Number(count)).toBe(500);
    } finally {
      await db.end();
    }
  });

  it('when two relays share one outbox, then every row is published exactly once and each aggregate stays in order', async () => {
    const first = startRelay(database, '--batch-size', '50');
    const second = startRelay(database, '--batch-size', '50');
    await Promise.all([ready(first.process), ready(second.process)]);

    const rows = interleavedRows(100, 20);
    const ids: string[] = [];
    for (let start = 0; start < rows.length; start += 100) {
      ids.push(...(await insertRows(pool, 'rabbitmq', rows.slice(start, start + 100))));
    }
    await eventually(() => countByStatus(pool), (counts) => counts.SENT === 2000, { what: 'every row to be sent' });
    const outputs = await Promise.all(
      [first, second].map(async (relay) => {
        const lines: string[] = [];
        relay.process.stdout!.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
        await stopRelay(relay);
        return JSON.parse(lines.join('').trim().split('\n').pop()!) as { published: number };
      }),
    );

    const received = await drainLabQueue();
    expect(received).toHaveLength(2000);
    expect(new Set(received.map((message) => message.messageId))).toEqual(new Set(ids));
    expectInOrderPerAggregate(received, 20);
    expect(outputs[0].published + outputs[1].published).toBe(2000);
  });

  it('when hot statements first ran on an empty outbox, then the platform plans them afresh once the table has grown, where a plain pool keeps its first plan', async () => {
    const lookup = (ids: readonly string[]): SqlStatement => sql`SELECT count(*)::int AS found FROM outbox_message WHERE id = ANY(${ids})`;
    const plansOf = (name: string): SqlStatement =>
      sql`SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = ${name}`;
    const absentIds = Array.from({ length: 10 }, () => randomUUID());
    const lookupName = prepared(lookup(absentIds)).name!;

    // Each of these has one connection, so every execution below lands on it.
    const plain = await pool.connect();
    const platform = new SqlDatabase({ name: 'plans-test', connectionString: database, maxConnections: 1, acquireTimeoutMs: 5_000 });
    const relayPool = new Pool({ connectionString: database, max: 1 });
    const relay = new OutboxRelay(relayPool, [], LAB_RELAY_OPTIONS, labLogger());
    try {
      for (let run = 0; run < 6; run += 1) {
        await plain.query(prepared(lookup(absentIds)));
        await platform.transaction((tx) => tx.query(lookup(absentIds)));
        expect((await relay.relayBatch('rabbitmq')).claimed).toBe(0);
      }
      const ids = await insertRows(pool, 'rabbitmq', interleavedRows(200, 10));
      await pool.query(`UPDATE outbox_message SET status = 'SENT', sent_at = now()`);
      await plain.query(prepared(lookup(ids.slice(0, 10))));
      const [{ found }] = await platform.transaction((tx) => tx.query<{ found: number }>(lookup(ids.slice(0, 10))));
      expect((await relay.relayBatch('rabbitmq')).claimed).toBe(0);
      expect(found).toBe(10);

      // PostgreSQL's default: a generic plan from the sixth execution on, still used after the table grew.
      const [plainPlans] = (await plain.query<{ generic: number; custom: number }>(prepared(plansOf(lookupName)))).rows;
      expect(plainPlans.generic).toBeGreaterThanOrEqual(2);
      const [platformPlans] = await platform.transaction((tx) => tx.query<{ generic: number; custom: number }>(plansOf(lookupName)));
      expect(platformPlans).toEqual({ generic: 0, custom: 7 });
      const { rows: relayPlans } = await relayPool.query<{ generic: number; custom: number }>(
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = 'outbox_claim_and_mark_sent'`,
      );
      expect(relayPlans).toEqual([{ generic: 0, custom: 7 }]);
    } finally {
      plain.release();
      await platform.end();
      await relayPool.end();
    }
  });
});
