import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createKafka,
  ensureTopics,
  type Broker,
  KafkaPublisher,
  type MessagePublisher,
  RabbitConnection,
  RabbitPublisher,
  type RabbitTopology,
} from '@platform/messaging';
import { OUTBOX_CHANNEL } from '@platform/outbox';
import { Client, type Pool } from 'pg';
import pino, { type Logger } from 'pino';

/**
 * A small laboratory for the outbox relay: a scratch database with the platform's outbox and
 * inbox tables, and a RabbitMQ exchange/queue and a Kafka topic of its own. The relay tests and
 * the benchmark use it to drive OutboxRelay against the real brokers, away from the services.
 */
export const LAB = {
  exchange: 'outbox-lab',
  queue: 'outbox-lab',
  routingKey: 'lab',
  topic: 'outbox-lab',
  messageType: 'lab.something-happened',
} as const;

export const labTopology: RabbitTopology = {
  exchanges: [{ name: LAB.exchange, type: 'direct' }],
  queues: [{ name: LAB.queue, carries: [], bindings: [{ exchange: LAB.exchange, routingKey: LAB.routingKey }], deliveryLimit: 5, prefetch: 100 }],
  delayQueues: [],
};

const ROOT = path.resolve(__dirname, '..', '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []));

export function labDatabaseUrl(name: string, adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * (Re)creates a scratch database with the notification service's schema: the smallest schema,
 * and like every service's it has the outbox and inbox tables.
 */
export async function createLabDatabase(name: string): Promise<string> {
  const admin = new Client({ connectionString: labDatabaseUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = labDatabaseUrl(name);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const migrations = path.join(ROOT, 'prisma', 'notification', 'migrations');
    for (const folder of readdirSync(migrations).filter((entry) => !entry.includes('.')).sort()) {
      await client.query(readFileSync(path.join(migrations, folder, 'migration.sql'), 'utf8'));
    }
  } finally {
    await client.end();
  }
  return url;
}

export interface LabRow {
  readonly aggregateId: string;
  /** Position of the message within its aggregate, carried in the payload to check ordering. */
  readonly seq: number;
}

/** Writes rows the way OutboxWriter does (one INSERT, then NOTIFY, one transaction); returns their ids. */
export async function insertRows(
  pool: Pool,
  broker: Broker,
  rows: readonly LabRow[],
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const ids = rows.map(() => randomUUID());
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO outbox_message (id, aggregate_id, message_type, message_version, broker, destination, routing_key, payload)
       SELECT id, aggregate_id, $3, 1, $4, $5, CASE WHEN $4 = 'kafka' THEN aggregate_id ELSE $6 END,
              jsonb_build_object('seq', seq) || $7::jsonb
         FROM unnest($1::uuid[], $2::text[], $8::int[]) AS r(id, aggregate_id, seq)`,
      [
        ids,
        rows.map((row) => row.aggregateId),
        LAB.messageType,
        broker,
        broker === 'kafka' ? LAB.topic : LAB.exchange,
        LAB.routingKey,
        JSON.stringify(extra),
        rows.map((row) => row.seq),
      ],
    );
    await client.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
    await client.query('COMMIT');
    return ids;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** `aggregates` orders with `perAggregate` messages each, interleaved as concurrent orders would be. */
export function interleavedRows(aggregates: number, perAggregate: number): LabRow[] {
  const ids = Array.from({ length: aggregates }, () => randomUUID());
  const rows: LabRow[] = [];
  for (let seq = 0; seq < perAggregate; seq += 1) for (const aggregateId of ids) rows.push({ aggregateId, seq });
  return rows;
}

export interface LabPublisher {
  readonly publisher: MessagePublisher;
  close(): Promise<void>;
}

export async function connectPublisher(broker: Broker, logger: Logger): Promise<LabPublisher> {
  if (broker === 'rabbitmq') {
    const connection = new RabbitConnection(
      { urls: (process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(','), connectionName: 'outbox-lab', topology: labTopology },
      logger,
    );
    const publisher = new RabbitPublisher(connection, logger);
    connection.start();
    const deadline = Date.now() + 30_000;
    while (!connection.isConnected) {
      if (Date.now() > deadline) throw new Error('RabbitMQ did not connect within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { publisher, close: () => connection.stop() };
  }
  const kafka = createKafka({ clientId: 'outbox-lab', brokers: [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'] }, logger);
  await ensureTopics(kafka, [{ topic: LAB.topic }], 3);
  const publisher = new KafkaPublisher(kafka, logger);
  await publisher.connect();
  return { publisher, close: () => publisher.disconnect() };
}

export const labLogger = (level = process.env.LOG_LEVEL ?? 'warn'): Logger => pino({ level, base: { service: 'outbox-lab' } });
