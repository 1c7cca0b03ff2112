import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { answers } from './infrastructure';
import { LOG_DIR, SERVICES, type ServiceSpec, serviceDatabaseUrl, serviceEntry, servicePort } from './stack.config';

export interface RunningService {
  readonly spec: ServiceSpec;
  readonly url: string;
  readonly logFile: string;
  /** Absent when the service was already running and is only reused. */
  readonly process?: ChildProcess;
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
 * Starts the services that are not already answering, each writing its JSON log to
 * .run/logs/<service>.log, and waits until every one reports ready.
 */
export async function startServices(
  log: (line: string) => void,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<RunningService[]> {
  mkdirSync(LOG_DIR, { recursive: true });
  const running: RunningService[] = [];
  for (const spec of SERVICES) {
    const port = servicePort(spec);
    const url = `http://127.0.0.1:${port}`;
    const logFile = path.join(LOG_DIR, `${spec.name}.log`);
    if (await isReady(url)) {
      log(`${spec.name} is already running on ${url}; reusing it`);
      running.push({ spec, url, logFile });
      continue;
    }
    if (await answers('127.0.0.1', port)) {
      throw new Error(`port ${port} is taken by something that is not a ready ${spec.name} service`);
    }
    const entry = serviceEntry(spec);
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    const output = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--enable-source-maps', entry], {
      env: { ...process.env, ...extraEnv, PORT: String(port), DATABASE_URL: serviceDatabaseUrl(spec) },
      stdio: ['ignore', output, output],
    });
    running.push({ spec, url, logFile, process: child });
  }
  await Promise.all(running.map((service) => waitUntilReady(service)));
  return running;
}

async function waitUntilReady(service: RunningService, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isReady(service.url))) {
    const exited = service.process && service.process.exitCode !== null;
    if (exited || Date.now() > deadline) {
      const tail = readFileSync(service.logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
      const why = exited ? `exited with code ${service.process!.exitCode}` : `was not ready after ${timeoutMs / 1000} s`;
      throw new Error(`${service.spec.name} ${why}; last lines of ${service.logFile}:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** SIGTERM lets each service finish in-flight work and close its connections; SIGKILL after 15 s. */
export async function stopServices(services: readonly RunningService[]): Promise<void> {
  await Promise.all(
    services.map(async ({ process: child }) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}
