import { eventually, http, urls } from './platform';

type Service = keyof typeof urls;

export async function pidOf(service: Service): Promise<number> {
  const { body } = await http<{ pid: number }>('GET', `${urls[service]}/health/live`);
  return body.pid;
}

async function ready(service: Service): Promise<boolean> {
  try {
    return (await fetch(`${urls[service]}/health/ready`)).status === 200;
  } catch {
    return false; // down while it restarts
  }
}

/**
 * SIGKILLs a service: no shutdown hook runs, in-flight work is cut wherever it is. The process
 * supervisor (npm start, or the test stack) starts it again; this waits until the new process is ready.
 */
export async function killAndAwaitRestart(service: Service): Promise<void> {
  const pid = await pidOf(service);
  process.kill(pid, 'SIGKILL');
  await eventually(
    async () => ((await ready(service)) ? pidOf(service) : pid),
    (current) => current !== pid,
    { timeoutMs: 90_000, intervalMs: 250, what: `${service} to be restarted by its supervisor` },
  );
}

/** Freezes a service (SIGSTOP) until the returned function resumes it: a service that is alive but not answering. */
export async function pause(service: Service): Promise<() => void> {
  const pid = await pidOf(service);
  process.kill(pid, 'SIGSTOP');
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    process.kill(pid, 'SIGCONT');
  };
}
