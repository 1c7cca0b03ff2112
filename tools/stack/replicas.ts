import { type AppSpec, SERVICES, type ServiceSpec, servicePort } from './stack.config';

/** More would not fit the instance ports (see `instancePort`), and is far past what one machine gains from. */
export const MAX_REPLICAS = 9;

export type ServiceName = ServiceSpec['name'];

/** How many instances of each service to run. */
export type Replicas = Readonly<Record<ServiceName, number>>;

export const ONE_OF_EACH: Replicas = Object.fromEntries(SERVICES.map(({ name }) => [name, 1])) as Record<ServiceName, number>;

/** A replica count that cannot be used; the message names the flag or variable and why. */
export class ReplicaSettingError extends Error {}

function count(text: string, where: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > MAX_REPLICAS) {
    throw new ReplicaSettingError(`${where} must be a whole number from 1 to ${MAX_REPLICAS}, not "${text}"`);
  }
  return value;
}

/** `--replicas N` or `--replicas=N` among the arguments, if given. */
function flagValue(args: readonly string[]): string | undefined {
  for (const [index, arg] of args.entries()) {
    if (arg === '--replicas') {
      if (index + 1 >= args.length) throw new ReplicaSettingError('--replicas needs a number, as in --replicas 3');
      return args[index + 1];
    }
    if (arg.startsWith('--replicas=')) return arg.slice('--replicas='.length);
  }
  return undefined;
}

/**
 * The instances `npm start` runs: `--replicas N` gives every service N, and STACK_REPLICAS either
 * does the same ("3") or names services ("order=3,inventory=2"). The variable wins over the flag:
 * it is the finer setting, and the one a script or a shell profile keeps.
 */
export function replicasFrom(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Replicas {
  const flag = flagValue(args);
  const everyService = flag === undefined ? 1 : count(flag, '--replicas');
  const replicas: Record<string, number> = Object.fromEntries(SERVICES.map(({ name }) => [name, everyService]));
  const setting = env.STACK_REPLICAS?.trim();
  if (!setting) return replicas as Replicas;
  if (!setting.includes('=')) {
    const value = count(setting, 'STACK_REPLICAS');
    for (const name of Object.keys(replicas)) replicas[name] = value;
    return replicas as Replicas;
  }
  const named = new Set<string>();
  for (const entry of setting.split(',')) {
    const [name, value, ...rest] = entry.split('=').map((part) => part.trim());
    if (value === undefined || rest.length > 0) {
      throw new ReplicaSettingError(`STACK_REPLICAS takes service=count pairs separated by commas, as in order=3,inventory=2; "${entry}" is not one`);
    }
    if (!(name in replicas)) {
      throw new ReplicaSettingError(`STACK_REPLICAS names "${name}", which is not a service (${SERVICES.map((spec) => spec.name).join(', ')})`);
    }
    if (named.has(name)) throw new ReplicaSettingError(`STACK_REPLICAS names ${name} twice`);
    named.add(name);
    replicas[name] = count(value, `STACK_REPLICAS's ${name}`);
  }
  return replicas as Replicas;
}

/**
 * Where instance `instance` (1-based) of a replicated service listens: its shared port plus ten
 * times the instance, so the order service's instances are 3010, 3020, … and the e2e platform's
 * 3110, 3120, …. The shared port itself is the load balancer's.
 */
export function instancePort(spec: AppSpec, instance: number, env: NodeJS.ProcessEnv = process.env): number {
  return servicePort(spec, env) + 10 * instance;
}

/** The connection pools of one instance of a service that runs on its own: see DATABASE_POOL_SIZE and API_DB_POOL_SIZE. */
const POOL_SIZES = { DATABASE_POOL_SIZE: 10, API_DB_POOL_SIZE: 8, OUTBOX_RELAY_CONCURRENCY: 2 } as const;

/**
 * The pool sizes of each of `replicas` instances of a service: its connections shared out between
 * them, because every instance of every service shares one PostgreSQL server and its
 * max_connections (100 by default). Three instances of each service with whole pools need more.
 * A size set in the environment is kept.
 */
export function poolSizesPerInstance(replicas: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(POOL_SIZES).map(([name, whole]) => [name, env[name] ?? String(Math.max(name === 'OUTBOX_RELAY_CONCURRENCY' ? 1 : 2, Math.ceil(whole / replicas)))]),
  );
}
