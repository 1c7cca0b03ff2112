/**
 * `npm run bench:brokers`: the comparison table message-queue overviews open with (RabbitMQ 10K/s,
 * Kafka 1M/s, Redis Streams 100K/s; microseconds, milliseconds, microseconds; persistence; replay),
 * measured on this machine in one run, through the clients the platform uses (amqplib, kafkajs,
 * ioredis) as libs/messaging configures them.
 *
 * Eight configurations (bench/brokers/configurations.ts), each measured the same way with 1 KiB
 * messages and the producer and consumer in processes of their own:
 *   - saturation: the producer sends as fast as the configuration lets it for BENCH_BROKER_SECONDS;
 *   - a fixed rate (open loop, latency from each message's due time) for as long again;
 *   - CPU per 1,000 messages of the broker and of the two clients, from /proc;
 *   - whether one marker message survives a real restart of the broker, whether a consumed message
 *     can be read again, and for Redis Streams whether an entry read but never acked is recovered.
 * It uses the brokers that run (Kafka: npm run kafka:start) and starts nothing else; it restarts
 * each broker once or twice and leaves it as it found it. Writes bench/results/brokers-<time>.json
 * and brokers-latest.json, and prints the table.
 */
import { readFileSync } from 'node:fs';
import { describeMachine } from './saga/machine';
import { benchKafka, benchRabbitMq, benchRedis, type BrokerRun, type RunContext } from './brokers/broker-runs';
import type { KafkaConfiguration, RabbitMqConfiguration, RedisConfiguration } from './brokers/configurations';
import { KAFKA_HOST, KAFKA_PORT } from './brokers/kafka';
import { MESSAGE_BYTES } from './brokers/payload';
import { type BrokerBenchReport, markdown, TABLE_HEADER, tableRows, writeResults } from './brokers/report';
import { kafkaAnswers } from './brokers/restarts';
import { readSettings, SettingsError } from './brokers/settings';

const log = (line: string) => void process.stdout.write(`[bench] ${line}\n`);

class KafkaDownError extends Error {}

const clientVersion = (name: 'amqplib' | 'kafkajs' | 'ioredis') => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;

async function main(): Promise<void> {
  const { configurations, ...settings } = readSettings(process.env);
  if (configurations.some(({ broker }) => broker === 'kafka') && !(await kafkaAnswers())) {
    throw new KafkaDownError(`Kafka does not answer on ${KAFKA_HOST}:${KAFKA_PORT}. Start it first with: npm run kafka:start (this benchmark starts nothing itself)`);
  }
  const measuredAt = new Date().toISOString();
  const notes = [
    "The clients are set up as libs/messaging sets them up: amqplib with TCP_NODELAY and its frames coalesced into one writev per pass; kafkajs with the platform's retry settings and its idle timers patched (kafkajs-idle-loop-fix.ts).",
    'Each Kafka topic has one partition, read by one consumer, as each RabbitMQ queue and Redis stream is.',
  ];
  const context: RunContext = { settings: { ...settings, configurations }, runId: Date.now().toString(36), log, note: (line) => void notes.push(line) };

  const ofBroker = <C>(broker: string) => configurations.filter((configuration) => configuration.broker === broker) as C[];
  const runs: Partial<Record<'rabbitmq' | 'kafka' | 'redis', BrokerRun>> = {};
  const rabbitMq = ofBroker<RabbitMqConfiguration>('rabbitmq');
  if (rabbitMq.length > 0) runs.rabbitmq = await benchRabbitMq(rabbitMq, context);
  const kafka = ofBroker<KafkaConfiguration>('kafka');
  if (kafka.length > 0) runs.kafka = await benchKafka(kafka, context);
  const redis = ofBroker<RedisConfiguration>('redis');
  if (redis.length > 0) runs.redis = await benchRedis(redis, context);

  const report: BrokerBenchReport = {
    measuredAt,
    machine: describeMachine(),
    versions: {
      rabbitmq: runs.rabbitmq?.version ?? 'not measured',
      kafka: runs.kafka?.version ?? 'not measured',
      redis: runs.redis?.version ?? 'not measured',
      amqplib: clientVersion('amqplib'),
      kafkajs: clientVersion('kafkajs'),
      ioredis: clientVersion('ioredis'),
    },
    settings: { ...settings, messageBytes: MESSAGE_BYTES, notes },
    results: [runs.rabbitmq, runs.kafka, runs.redis].flatMap((run) => run?.results ?? []),
  };
  const files = writeResults(report);
  console.table(tableRows(report.results).map((row) => Object.fromEntries(TABLE_HEADER.map((title, index) => [title, row[index]]))));
  process.stdout.write(`\n${markdown(report)}\n\n`);
  log(`written to ${files.join(' and ')}`);
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError || error instanceof KafkaDownError) process.stderr.write(`[bench] ${error.message}\n`);
  else process.stderr.write(`[bench] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
