import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { adminDatabaseUrl, ROOT } from './stack.config';

const run = promisify(execFile);

export interface Dependency {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The command that starts it on these machines (on its default port), and the program it needs. */
  readonly start: { readonly needs: string; readonly command: string; readonly port: number };
  readonly stop: string;
  readonly install: string;
  /** The environment variable that points the platform at another instance. */
  readonly variable: string;
}

export function dependencies(env: NodeJS.ProcessEnv = process.env): Dependency[] {
  const postgres = new URL(adminDatabaseUrl(env));
  // A cluster's list of nodes is checked by its first: the stack starts broker clusters itself (see broker-clusters.ts).
  const rabbit = new URL((env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(',')[0]);
  const redis = new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const [kafkaHost, kafkaPort] = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0].split(':');
  const kafkaScript = (command: 'start' | 'stop') => `KAFKA_PORT=${Number(kafkaPort)} "${path.join(ROOT, 'scripts', 'kafka.sh')}" ${command}`;
  return [
    {
      name: 'PostgreSQL',
      variable: 'DATABASE_ADMIN_URL',
      host: postgres.hostname,
      port: Number(postgres.port || 5432),
      start: {
        needs: 'pg_ctlcluster',
        port: 5432,
        command: 'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start',
      },
      stop: 'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main stop',
      install: 'apt-get install -y postgresql',
    },
    {
      name: 'RabbitMQ',
      variable: 'RABBITMQ_URL',
      host: rabbit.hostname,
      port: Number(rabbit.port || 5672),
      start: { needs: 'rabbitmq-server', port: 5672, command: 'rabbitmq-server -detached' },
      stop: 'rabbitmqctl stop',
      install: 'apt-get install -y rabbitmq-server',
    },
    {
      name: 'Redis',
      variable: 'REDIS_URL',
      host: redis.hostname,
      port: Number(redis.port || 6379),
      start: {
        needs: 'redis-server',
        port: 6379,
        command: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
      },
      stop: 'redis-cli -p 6379 shutdown nosave',
      install: 'apt-get install -y redis-server',
    },
    {
      name: 'Kafka',
      variable: 'KAFKA_BROKERS',
      host: kafkaHost,
      port: Number(kafkaPort),
      // scripts/kafka.sh runs a broker on any loopback port: 9092 is npm start's, another is a separate one.
      start: { needs: 'java', port: Number(kafkaPort), command: kafkaScript('start') },
      stop: kafkaScript('stop'),
      install: 'apt-get install -y openjdk-17-jre-headless maven (scripts/kafka.sh then fetches Kafka itself)',
    },
  ];
}

export function answers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export class MissingDependencyError extends Error {
  override readonly name = 'MissingDependencyError';
}

async function hasProgram(program: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${program}`]);
    return true;
  } catch {
    return false; // `command -v` exits non-zero exactly when the program is missing
  }
}

/**
 * Makes every dependency answer: reuses what runs, starts what is down and can be started here,
 * and otherwise throws one line saying what is missing and how to get it.
 * Returns the dependencies it started, so the caller can stop exactly those.
 */
export async function ensureDependencies(log: (line: string) => void): Promise<Dependency[]> {
  const started: Dependency[] = [];
  for (const dependency of dependencies()) {
    const where = `${dependency.host}:${dependency.port}`;
    if (await answers(dependency.host, dependency.port)) {
      log(`${dependency.name} answers on ${where}`);
      continue;
    }
    const startable =
      ['127.0.0.1', 'localhost', '::1'].includes(dependency.host) && dependency.port === dependency.start.port;
    if (!startable) {
      throw new MissingDependencyError(
        `${dependency.name} is not answering on ${where}: start it there, or set ${dependency.variable} to one that runs`,
      );
    }
    if (!(await hasProgram(dependency.start.needs))) {
      throw new MissingDependencyError(
        `${dependency.name} is not answering on ${where} and ${dependency.start.needs} is not installed: ${dependency.install}, or set ${dependency.variable} to one that runs`,
      );
    }
    log(`${dependency.name} is down; starting it`);
    try {
      await run('bash', ['-c', dependency.start.command], { cwd: ROOT, timeout: 180_000 });
    } catch (error) {
      const output = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ');
      throw new MissingDependencyError(`${dependency.name} failed to start (${output || (error as Error).message})`);
    }
    await waitFor(() => answers(dependency.host, dependency.port), 60_000, `${dependency.name} on ${where}`);
    started.push(dependency);
  }
  return started;
}

/**
 * A RABBITMQ_URL naming a vhost other than the default gets that vhost, with full rights for its
 * user: a separate instance of the platform declares its queues there, out of sight of the others.
 */
export async function ensureRabbitVhost(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const url = new URL((env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(',')[0]);
  const vhost = decodeURIComponent(url.pathname.slice(1));
  if (vhost === '' || vhost === '/') return;
  const rabbitmqctl = (...args: string[]) => run('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });
  try {
    const { stdout } = await rabbitmqctl('list_vhosts', 'name');
    if (!stdout.split('\n').some((line) => line.trim() === vhost)) {
      log(`RabbitMQ: adding vhost ${vhost}`);
      await rabbitmqctl('add_vhost', vhost);
    }
    await rabbitmqctl('set_permissions', '-p', vhost, decodeURIComponent(url.username || 'guest'), '.*', '.*', '.*');
  } catch (error) {
    throw new MissingDependencyError(`RabbitMQ vhost ${vhost} could not be prepared with rabbitmqctl: ${(error as Error).message}`);
  }
}

export async function stopDependencies(started: readonly Dependency[], log: (line: string) => void): Promise<void> {
  for (const dependency of [...started].reverse()) {
    log(`stopping ${dependency.name}`);
    await run('bash', ['-c', dependency.stop], { cwd: ROOT, timeout: 60_000 }).catch((error: Error) =>
      log(`${dependency.name} did not stop cleanly: ${error.message}`),
    );
  }
}

export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new MissingDependencyError(`${what} did not come up within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
