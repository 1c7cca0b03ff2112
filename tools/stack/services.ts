import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { answers } from './infrastructure';
import { type AppSpec, CONSOLE, LOG_DIR, SERVICES, serviceDatabaseUrl, serviceEntry, servicePort } from './stack.config';

export interface RunningService {
  readonly spec: AppSpec;
  readonly url: string;
  readonly logFile: string;
  /** The current process; absent when the service was already running and is only reused. */
  readonly process?: ChildProcess;
}

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
      this.log(`${this.spec.name} exited (${signal ?? `code ${code}`}); restarting in ${this.restartDelayMs} ms`);
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
 * to .run/logs/<name>.log, and waits until every one reports ready. The services export their
 * spans to the console unless OTEL_EXPORTER_OTLP_ENDPOINT says otherwise.
 */
export async function startServices(
  log: (line: string) => void,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<RunningService[]> {
  mkdirSync(LOG_DIR, { recursive: true });
  const env = { ...process.env, ...extraEnv };
  const urlOf = (spec: AppSpec) => `http://127.0.0.1:${servicePort(spec, env)}`;
  const consoleEnv = { ...env, ...Object.fromEntries(SERVICES.map((spec) => [`${spec.name.toUpperCase()}_URL`, urlOf(spec)])) };
  const console = await startOne(CONSOLE, urlOf(CONSOLE), consoleEnv, log);
  await waitUntilReady(console);
  const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: urlOf(CONSOLE), ...env };
  const running: RunningService[] = [console];
  for (const spec of SERVICES) {
    running.push(await startOne(spec, urlOf(spec), { ...tracingEnv, DATABASE_URL: serviceDatabaseUrl(spec, env) }, log));
  }
  await Promise.all(running.map((service) => waitUntilReady(service)));
  return running;
}

async function startOne(spec: AppSpec, url: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<RunningService> {
  const logFile = path.join(LOG_DIR, `${spec.name}.log`);
  if (await isReady(url)) {
    log(`${spec.name} is already running on ${url}; reusing it`);
    return { spec, url, logFile };
  }
  const port = Number(new URL(url).port);
  if (await answers('127.0.0.1', port)) {
    throw new Error(`port ${port} is taken by something that is not a ready ${spec.name}`);
  }
  const entry = serviceEntry(spec);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  return new SupervisedService(spec, url, logFile, { ...env, PORT: String(port) }, log);
}

async function waitUntilReady(service: RunningService, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isReady(service.url))) {
    const child = service.process;
    const exited = child && child.exitCode !== null;
    if (exited || Date.now() > deadline) {
      const tail = readFileSync(service.logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
      const why = exited ? `exited with code ${child.exitCode}` : `was not ready after ${timeoutMs / 1000} s`;
      throw new Error(`${service.spec.name} ${why}; last lines of ${service.logFile}:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** SIGTERM lets each service finish in-flight work and close its connections; SIGKILL after 15 s. */
export async function stopServices(services: readonly RunningService[]): Promise<void> {
  await Promise.all(services.map((service) => (service instanceof SupervisedService ? service.stop() : undefined)));
}
