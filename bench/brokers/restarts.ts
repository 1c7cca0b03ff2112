import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { answers } from '../../tools/stack/infrastructure';
import { ROOT } from '../../tools/stack/stack.config';
import { KAFKA_HOST, KAFKA_PORT } from './kafka';
import { connectRabbitMq } from './rabbitmq';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Whether an AMQP connection can be opened and closed again right now. */
async function rabbitMqAccepts(): Promise<boolean> {
  return connectRabbitMq('bench.brokers restart check').then(
    async (connection) => {
      await connection.close();
      return true;
    },
    () => false, // refused while the app is starting: the caller asks again until its deadline
  );
}

/** Stops and starts the RabbitMQ application inside the running node, as the end-to-end restart test does. */
export async function restartRabbitMq(): Promise<void> {
  await run('rabbitmqctl', ['stop_app'], { timeout: 120_000 });
  await run('rabbitmqctl', ['start_app'], { timeout: 120_000 });
  await until(rabbitMqAccepts, 60_000, 'RabbitMQ accepted no connection');
}

/** Starts the RabbitMQ application if it is not running: after a failure between stop_app and start_app. */
export async function ensureRabbitMqStarted(): Promise<void> {
  if (await rabbitMqAccepts()) return;
  await run('rabbitmqctl', ['start_app'], { timeout: 120_000 });
  await until(rabbitMqAccepts, 60_000, 'RabbitMQ accepted no connection');
}

export const kafkaAnswers = () => answers(KAFKA_HOST, KAFKA_PORT);

/**
 * scripts/kafka.sh start, in a session of its own: the broker it leaves running must not belong to
 * this benchmark's process group and end with it.
 */
function kafkaScript(command: 'start' | 'stop'): Promise<string> {
  return new Promise((resolve, reject) => {
    const script = spawn(path.join(ROOT, 'scripts', 'kafka.sh'), [command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    script.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    script.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    script.once('error', reject);
    script.once('close', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`scripts/kafka.sh ${command} exited ${code}: ${output.trim()}`))));
  });
}

export class KafkaNotOursError extends Error {}

/**
 * Stops and starts the broker with scripts/kafka.sh. A broker that script did not start (another
 * checkout's, a container) is not this benchmark's to stop: it says so instead.
 */
export async function restartKafka(): Promise<void> {
  const stopped = await kafkaScript('stop');
  if (await kafkaAnswers()) {
    throw new KafkaNotOursError(`the broker on ${KAFKA_HOST}:${KAFKA_PORT} was not started by scripts/kafka.sh from this checkout ("${stopped}"), so it is not restarted here`);
  }
  await kafkaScript('start');
}

export async function ensureKafkaStarted(): Promise<void> {
  if (!(await kafkaAnswers())) await kafkaScript('start');
}
