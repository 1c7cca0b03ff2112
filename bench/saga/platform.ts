import path from 'node:path';
import { CONSOLE, SERVICES, type ServiceSpec, serviceDatabaseUrl, servicePort } from '../../tools/stack/stack.config';
import type { HttpClient } from './http-client';
import type { ProcessCpu, ProcessEntry } from './process-cpu';

export type ServiceName = ServiceSpec['name'];

/** A running service as the benchmark reaches it: the same ports and databases `npm start` gives it. */
export interface PlatformService {
  readonly name: ServiceName;
  readonly url: string;
  readonly databaseUrl: string;
  readonly databaseName: string;
}

/** The order they are reported in: the one that takes orders first, then the saga's participants, then the consumers. */
const REPORT_ORDER: readonly ServiceName[] = ['order', 'inventory', 'payment', 'notification', 'points'];

export function platformServices(env: NodeJS.ProcessEnv = process.env): PlatformService[] {
  const specs = [...SERVICES].sort((a, b) => REPORT_ORDER.indexOf(a.name) - REPORT_ORDER.indexOf(b.name));
  return specs.map((spec) => {
    const databaseUrl = serviceDatabaseUrl(spec, env);
    return { name: spec.name, url: `http://127.0.0.1:${servicePort(spec, env)}`, databaseUrl, databaseName: new URL(databaseUrl).pathname.slice(1) };
  });
}

export function serviceNamed(services: readonly PlatformService[], name: ServiceName): PlatformService {
  const service = services.find((candidate) => candidate.name === name);
  if (!service) throw new Error(`no ${name} service in ${services.map((candidate) => candidate.name).join(', ')}`);
  return service;
}

/** The benchmark measures a platform that is already up; it never starts or stops anything. */
export async function assertPlatformReady(client: HttpClient, services: readonly PlatformService[]): Promise<void> {
  const notReady: string[] = [];
  for (const service of services) {
    const outcome = await client.send('GET', `${service.url}/health/ready`);
    if (outcome.kind !== 'answer' || outcome.status !== 200) {
      notReady.push(`${service.name} (${service.url}: ${outcome.kind === 'answer' ? outcome.status : outcome.code})`);
    }
  }
  if (notReady.length > 0) throw new Error(`not ready: ${notReady.join(', ')}. Start the platform first: npm start`);
}

/**
 * The processes whose CPU time is measured, in groups, each recognised by its command line. A
 * process also belongs to the group of its nearest recognised ancestor, so helpers a server forks
 * (RabbitMQ's erl_child_setup, every PostgreSQL backend) count with it.
 */
export const PROCESS_GROUPS = ['order', 'inventory', 'payment', 'notification', 'points', 'console', 'balancers', 'postgresql', 'rabbitmq', 'kafka', 'redis'] as const;
export type ProcessGroup = (typeof PROCESS_GROUPS)[number];

const program = (argv: readonly string[]) => path.basename(argv[0].split(' ')[0]);

function recognise(argv: readonly string[]): ProcessGroup | undefined {
  // `node [flags] .../dist/apps/<service>/src/main.js`, as `npm start` runs each service.
  // The console counts too: with tracing on, it is where every span is received.
  const app = [...SERVICES, CONSOLE].find(({ name }) => argv.some((arg) => arg.endsWith(`apps/${name}/src/main.js`)));
  if (app) return app.name;
  // `npm start` itself: with replicas, its load balancers carry every HTTP request to the services.
  if (argv.some((arg) => arg.endsWith('tools/stack/start.js'))) return 'balancers';
  // The postmaster keeps its name; a backend renames itself "postgres: 15/main: <user> <database> ...".
  if (program(argv) === 'postgres' || argv[0].startsWith('postgres:')) return 'postgresql';
  if (program(argv) === 'beam.smp' && argv.includes('rabbit')) return 'rabbitmq';
  if (program(argv) === 'java' && argv.includes('kafka.Kafka')) return 'kafka';
  if (program(argv) === 'redis-server') return 'redis';
  return undefined;
}

export function groupPlatformProcesses(table: readonly ProcessEntry[]): Map<ProcessGroup, ProcessCpu[]> {
  const byPid = new Map(table.map((entry) => [entry.cpu.pid, entry]));
  const groups = new Map<ProcessGroup, ProcessCpu[]>(PROCESS_GROUPS.map((group) => [group, []]));
  for (const entry of table) {
    const group = groupOf(entry, byPid);
    if (group) groups.get(group)?.push(entry.cpu);
  }
  return groups;
}

function groupOf(entry: ProcessEntry, byPid: Map<number, ProcessEntry>): ProcessGroup | undefined {
  const seen = new Set<number>();
  for (let current: ProcessEntry | undefined = entry; current && !seen.has(current.cpu.pid); current = byPid.get(current.cpu.parentPid)) {
    seen.add(current.cpu.pid);
    const group = recognise(current.argv);
    if (group) return group;
  }
  return undefined;
}
