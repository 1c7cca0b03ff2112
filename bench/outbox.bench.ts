/**
 * `npm run bench:outbox`: how fast the outbox relay moves rows to each broker, and how long a
 * committed row waits before the broker has it, side by side with
 *   - raw:   the same messages published straight to the broker (no database), the ceiling;
 *   - naive: the usual tutorial relay: every 100 ms, read 100 rows, publish them one by one,
 *            mark them sent one by one.
 * Everything runs on this machine in one process; compare the variants within one run.
 * Writes bench/results/outbox-latest.json and prints a table.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Broker, type MessagePublisher, type OutboundMessage, type PublishResult, RetryPolicy } from '@platform/messaging';
import { OutboxRelay, toOutboundMessage, OUTBOX_RECORD_COLUMNS, type OutboxRecord } from '@platform/outbox';
import { Pool } from 'pg';
import { connectPublisher, createLabDatabase, insertRows, LAB, labLogger } from '../tools/outbox-lab/lab';
import { ensureDependencies, stopDependencies } from '../tools/stack/infrastructure';

const THROUGHPUT_ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const NAIVE_ROWS = Number(process.env.BENCH_NAIVE_ROWS ?? 5_000);
const LATENCY_RATE = 500; // rows per second
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const RESULTS = path.resolve(__dirname, '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []), 'bench', 'results');

interface Result {
  variant: 'relay' | 'raw' | 'naive';
  broker: Broker;
  rowsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  throughputRows: number;
  latencyRows: number;
  latencyRatePerSec: number;
}

/** Wraps a publisher to note when the broker acknowledged each message. */
class TimedPublisher implements MessagePublisher {
  readonly acked = new Map<string, number>();
  constructor(private readonly inner: MessagePublisher) {}
  get broker(): Broker {
    return this.inner.broker;
  }
  async publish(messages: readonly OutboundMessage[]): Promise<PublishResult[]> {
    const results = await this.inner.publish(messages);
    const now = performance.now();
    results.forEach((result, index) => result.ok && this.acked.set(messages[index].messageId, now));
    return results;
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (value: number) => Math.round(value * 100) / 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no row is pending (cheap to ask: the pending rows have their own partial index). */
async function untilSent(pool: Pool): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ pending: boolean }>("SELECT EXISTS (SELECT 1 FROM outbox_message WHERE status = 'PENDING') AS pending");
    if (!rows[0].pending) return;
    await sleep(20);
  }
}

/** Commits one row at a time at LATENCY_RATE; returns each row's commit time by id. */
async function writeAtRate(pool: Pool, broker: Broker): Promise<Map<string, number>> {
  const committed = new Map<string, number>();
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const start = performance.now();
  for (let index = 0; index < total; index += 1) {
    const due = start + (index * 1000) / LATENCY_RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const [id] = await insertRows(pool, broker, [{ aggregateId: randomUUID(), seq: 0 }]);
    committed.set(id, performance.now());
  }
  return committed;
}

function latencies(committed: Map<string, number>, acked: Map<string, number>): { p50Ms: number; p99Ms: number } {
  const waits = [...committed].map(([id, at]) => (acked.get(id) ?? Number.POSITIVE_INFINITY) - at).sort((a, b) => a - b);
  return { p50Ms: round(percentile(waits, 50)), p99Ms: round(percentile(waits, 99)) };
}

function relay(pool: Pool, publisher: MessagePublisher): OutboxRelay {
  return new OutboxRelay(
    pool,
    [publisher],
    { batchSize: 200, concurrency: 2, pollIntervalMs: 1_000, retry: RetryPolicy.exponential({ initialMs: 500, maxMs: 60_000, maxAttempts: 10 }), retentionMs: 3_600_000 },
    labLogger(),
  );
}

async function benchRelay(pool: Pool, publisher: MessagePublisher, broker: Broker): Promise<Result> {
  await pool.query('TRUNCATE outbox_message');
  for (let start = 0; start < THROUGHPUT_ROWS; start += 1_000) {
    await insertRows(pool, broker, Array.from({ length: Math.min(1_000, THROUGHPUT_ROWS - start) }, () => ({ aggregateId: randomUUID(), seq: 0 })));
  }
  const timed = new TimedPublisher(publisher);
  const throughputRelay = relay(pool, timed);
  const began = performance.now();
  throughputRelay.start();
  await untilSent(pool);
  const rowsPerSec = THROUGHPUT_ROWS / ((performance.now() - began) / 1000);
  await throughputRelay.stop();

  await pool.query('TRUNCATE outbox_message');
  const latencyTimed = new TimedPublisher(publisher);
  const latencyRelay = relay(pool, latencyTimed);
  latencyRelay.start();
  await sleep(200); // LISTEN is in place
  const committed = await writeAtRate(pool, broker);
  await untilSent(pool);
  await latencyRelay.stop();
  return { variant: 'relay', broker, rowsPerSec: Math.round(rowsPerSec), ...latencies(committed, latencyTimed.acked), throughputRows: THROUGHPUT_ROWS, latencyRows: committed.size, latencyRatePerSec: LATENCY_RATE };
}

/** The tutorial relay, written the way tutorials write it, for comparison only. */
function startNaiveRelay(pool: Pool, publisher: MessagePublisher): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await pool.query<OutboxRecord>(
        `SELECT ${OUTBOX_RECORD_COLUMNS} FROM outbox_message m WHERE m.status = 'PENDING' ORDER BY m.created_at LIMIT 100`,
      );
      for (const row of rows) {
        const [result] = await publisher.publish([toOutboundMessage(row)]);
        if (result.ok) await pool.query("UPDATE outbox_message SET status = 'SENT', sent_at = now() WHERE id = $1", [row.id]);
      }
      await sleep(100);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

async function benchNaive(pool: Pool, publisher: MessagePublisher, broker: Broker): Promise<Result> {
  await pool.query('TRUNCATE outbox_message');
  for (let start = 0; start < NAIVE_ROWS; start += 1_000) {
    await insertRows(pool, broker, Array.from({ length: Math.min(1_000, NAIVE_ROWS - start) }, () => ({ aggregateId: randomUUID(), seq: 0 })));
  }
  const began = performance.now();
  const stopThroughput = startNaiveRelay(pool, publisher);
  await untilSent(pool);
  const rowsPerSec = NAIVE_ROWS / ((performance.now() - began) / 1000);
  await stopThroughput();

  await pool.query('TRUNCATE outbox_message');
  const timed = new TimedPublisher(publisher);
  const stopLatency = startNaiveRelay(pool, timed);
  const committed = await writeAtRate(pool, broker);
  await untilSent(pool);
  await stopLatency();
  return { variant: 'naive', broker, rowsPerSec: Math.round(rowsPerSec), ...latencies(committed, timed.acked), throughputRows: NAIVE_ROWS, latencyRows: committed.size, latencyRatePerSec: LATENCY_RATE };
}

function labMessage(broker: Broker): OutboundMessage {
  const aggregateId = randomUUID();
  return {
    messageId: randomUUID(),
    type: LAB.messageType,
    version: 1,
    correlationId: aggregateId,
    occurredAt: new Date().toISOString(),
    destination: broker === 'kafka' ? { broker, topic: LAB.topic, key: aggregateId } : { broker, exchange: LAB.exchange, routingKey: LAB.routingKey },
    payload: { seq: 0 },
  };
}

async function benchRaw(publisher: MessagePublisher, broker: Broker): Promise<Result> {
  const began = performance.now();
  for (let sent = 0; sent < THROUGHPUT_ROWS; sent += 200) {
    const results = await publisher.publish(Array.from({ length: Math.min(200, THROUGHPUT_ROWS - sent) }, () => labMessage(broker)));
    if (results.some((result) => !result.ok)) throw new Error('raw publish failed');
  }
  const rowsPerSec = THROUGHPUT_ROWS / ((performance.now() - began) / 1000);

  const waits: number[] = [];
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const wait = start + (index * 1000) / LATENCY_RATE - performance.now();
    if (wait > 0) await sleep(wait);
    const created = performance.now();
    inFlight.push(publisher.publish([labMessage(broker)]).then(() => void waits.push(performance.now() - created)));
  }
  await Promise.all(inFlight);
  waits.sort((a, b) => a - b);
  return { variant: 'raw', broker, rowsPerSec: Math.round(rowsPerSec), p50Ms: round(percentile(waits, 50)), p99Ms: round(percentile(waits, 99)), throughputRows: THROUGHPUT_ROWS, latencyRows: total, latencyRatePerSec: LATENCY_RATE };
}

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);
  const started = await ensureDependencies(log);
  const database = await createLabDatabase('outbox_bench');
  const pool = new Pool({ connectionString: database, max: 6 });
  const results: Result[] = [];
  try {
    for (const broker of ['rabbitmq', 'kafka'] as const) {
      const { publisher, close } = await connectPublisher(broker, labLogger());
      try {
        log(`${broker}: raw publisher`);
        results.push(await benchRaw(publisher, broker));
        log(`${broker}: platform relay`);
        results.push(await benchRelay(pool, publisher, broker));
        log(`${broker}: naive relay`);
        results.push(await benchNaive(pool, publisher, broker));
      } finally {
        await close();
      }
    }
  } finally {
    await pool.end();
    await stopDependencies(started, log);
  }

  const report = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
    settings: { relayBatchSize: 200, relayConcurrency: 2, naivePollMs: 100, naiveBatch: 100, latencyRatePerSec: LATENCY_RATE, latencySeconds: LATENCY_SECONDS },
    results,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'outbox-latest.json'), `${JSON.stringify(report, null, 2)}\n`);

  const byKey = new Map(results.map((result) => [`${result.variant}/${result.broker}`, result]));
  console.table(
    results.map((result) => ({
      variant: result.variant,
      broker: result.broker,
      'rows/s': result.rowsPerSec,
      [`p50 ms @${LATENCY_RATE}/s`]: result.p50Ms,
      [`p99 ms @${LATENCY_RATE}/s`]: result.p99Ms,
      'x naive': round(result.rowsPerSec / (byKey.get(`naive/${result.broker}`)?.rowsPerSec ?? Number.NaN)),
    })),
  );
  log(`written to ${path.join(RESULTS, 'outbox-latest.json')}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
