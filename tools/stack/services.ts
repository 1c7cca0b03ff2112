import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { answers } from './infrastructure';
import { LoadBalancer } from './load-balancer';
import { instancePort, ONE_OF_EACH, poolSizesPerInstance, type Replicas } from './replicas';
import { type AppSpec, CONSOLE, LOG_DIR, SERVICES, type ServiceSpec, serviceDatabaseUrl, serviceEntry, servicePort } from './stack.config';

export interface RunningService {
  readonly spec: AppSpec;
  /** Which of a replicated service's instances this is (1, 2, …); absent when the service runs once. */
  readonly instance?: number;
  readonly url: string;
  readonly logFile: string;
  /** The current process; absent when the service was already running and is only reused. */
  readonly process?: ChildProcess;
}

/** What the platform's apps are: their processes, and the load balancers on the ports of replicated services. */
export interface RunningApps {
  readonly services: RunningService[];
  readonly balancers: LoadBalancer[];
}

export const instanceName = ({ spec, instance }: Pick<RunningService, 'spec' | 'instance'>) =>
  instance === undefined ? spec.name : `${spec.name}-${instance}`;

/**
 * A service process this stack owns, restarted when it dies on its own, like a container with a
 * restart policy: kill one on purpose and the platform heals. A process that keeps dying quickly
 * is restarted with a growing delay; one that refused its configuration is not restarted.
 */
class SupervisedService implements RunningService {
  private child: ChildProcess;
  private stopping = false;
  private restartDelayMs = 500;

  constructor(
    readonly spec: AppSpec,
    readonly instance: number | undefined,
    readonly url: string,
    readonly logFile: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {
    this.child = this.spawn();
  }

  get process(): ChildProcess {
    return this.child;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private spawn(): ChildProcess {
    const output = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, ['--enable-source-maps', serviceEntry(this.spec)], {
      env: this.env,
      stdio: ['ignore', output, output],
    });
    closeSync(output);
    const startedAt = Date.now();
    child.once('exit', (code, signal) => {
      // 78 is a refusal to start on bad configuration: restarting cannot fix that.
      if (this.stopping || code === 78) return;
      this.restartDelayMs = Date.now() - startedAt > 10_000 ? 500 : Math.min(this.restartDelayMs * 2, 30_000);
      this.log(`${instanceName(this)} exited (${signal ?? `code ${code}`}); restarting in ${this.restartDelayMs} ms`);
      setTimeout(() => {
        if (!this.stopping) this.child = this.spawn();
      }, this.restartDelayMs);
    });
    return child;
  }
}

export async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false; // not listening yet, or not answering: both mean "not ready"
  }
}

/**
 * Starts the console and the services that are not already answering, each writing its JSON log
 * to .run/logs/<name>.log (<name>-<instance>.log for a replicated one), and waits until every one
 * reports ready. A service with more than one replica runs that many instances on their own ports
 * (see `instancePort`), behind a load balancer on the service's port. The services export their
 * spans to the console unless OTEL_EXPORTER_OTLP_ENDPOINT says otherwise.
 */
export async function startServices(
  log: (line: string) => void,
  extraEnv: NodeJS.ProcessEnv = {},
  replicas: Replicas = ONE_OF_EACH,
): Promise<RunningApps> {
  mkdirSync(LOG_DIR, { recursive: true });
  const env = { ...process.env, ...extraEnv };
  const urlOf = (spec: AppSpec) => `http://127.0.0.1:${servicePort(spec, env)}`;
  const consoleEnv = { ...env, ...Object.fromEntries(SERVICES.map((spec) => [`${spec.name.toUpperCase()}_URL`, urlOf(spec)])) };
  const console = await startOne(CONSOLE, undefined, urlOf(CONSOLE), consoleEnv, log);
  await waitUntilReady(console);
  const running: RunningService[] = [console];
  const balancers: LoadBalancer[] = [];
  try {
    for (const spec of SERVICES) {
      const alreadyRunning = replicas[spec.name] > 1 && (await isReady(urlOf(spec)));
      if (alreadyRunning) log(`${spec.name} already answers on ${urlOf(spec)}: reusing it as it runs, not as ${replicas[spec.name]} instances`);
      if (replicas[spec.name] === 1 || alreadyRunning) {
        running.push(await startOne(spec, undefined, urlOf(spec), serviceEnvironment(spec, env), log));
        continue;
      }
      await ensurePortFree(spec, servicePort(spec, env));
      const instanceEnv = { ...env, ...poolSizesPerInstance(replicas[spec.name], env) };
      for (let instance = 1; instance <= replicas[spec.name]; instance++) {
        running.push(await startServiceInstance(spec, instance, instanceEnv, log));
      }
      const balancer = new LoadBalancer(
        servicePort(spec, env),
        running.filter((service) => service.spec === spec).map((service) => Number(new URL(service.url).port)),
        (error) => log(`${spec.name}'s load balancer: ${error.message}`),
      );
      await balancer.listen();
      balancers.push(balancer);
    }
    await Promise.all(running.map((service) => waitUntilReady(service)));
  } catch (error) {
    await stopServices({ services: running, balancers });
    throw error;
  }
  return { services: running, balancers };
}

/** What a service is started with on top of the platform's environment: its database, and where its spans go. */
function serviceEnvironment(spec: ServiceSpec, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${servicePort(CONSOLE, env)}`,
    ...env,
    DATABASE_URL: serviceDatabaseUrl(spec, env),
  };
}

/**
 * Starts instance `instance` of a service on its own port (`instancePort`), supervised like every
 * service the stack owns; it shares the service's database, queues and consumer groups with the
 * other instances. Resolves once the process is spawned, not once it is ready.
 */
export async function startServiceInstance(
  spec: ServiceSpec,
  instance: number,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<RunningService> {
  const port = instancePort(spec, instance, env);
  return startOne(spec, instance, `http://127.0.0.1:${port}`, serviceEnvironment(spec, env), log);
}

async function ensurePortFree(spec: AppSpec, port: number): Promise<void> {
  if (await answers('127.0.0.1', port)) throw new Error(`port ${port} is taken by something that is not a ready ${spec.name}`);
}

async function startOne(
  spec: AppSpec,
  instance: number | undefined,
  url: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<RunningService> {
  const logFile = path.join(LOG_DIR, `${instanceName({ spec, instance })}.log`);
  if (await isReady(url)) {
    log(`${instanceName({ spec, instance })} is already running on ${url}; reusing it`);
    return { spec, instance, url, logFile };
  }
  const port = Number(new URL(url).port);
  await ensurePortFree(spec, port);
  const entry = serviceEntry(spec);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  return new SupervisedService(spec, instance, url, logFile, { ...env, PORT: String(port) }, log);
}

export async function waitUntilReady(service: RunningService, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isReady(service.url))) {
    const child = service.process;
    const exited = child && child.exitCode !== null;
    if (exited || Date.now() > deadline) {
      const tail = readFileSync(service.logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
      const why = exited ? `exited with code ${child.exitCode}` : `was not ready after ${timeoutMs / 1000} s`;
      throw new Error(`${instanceName(service)} ${why}; last lines of ${service.logFile}:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** SIGTERM lets each service finish in-flight work and close its connections; SIGKILL after 15 s. */
export async function stopServices({ services, balancers }: RunningApps): Promise<void> {
  await Promise.all(services.map((service) => (service instanceof SupervisedService ? service.stop() : undefined)));
  await Promise.all(balancers.map((balancer) => balancer.close()));
}
