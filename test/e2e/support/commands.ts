import { spawn } from 'node:child_process';

export interface Finished {
  /** The exit code, or null when a signal ended the process (the timeout's SIGKILL among them). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to its end without blocking the event loop. A synchronous exec that takes longer
 * than the services' keep-alive timeout (5 s) leaves fetch's pooled connections closed by the
 * server but not yet seen as closed here, and the next request fails with "other side closed".
 * Broker restarts take that long, so tests shell out through this.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  { env = process.env, timeoutMs = 120_000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs a command that must succeed, and returns what it printed. */
export async function run(command: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const finished = await runProcess(command, args, { timeoutMs });
  if (finished.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${finished.status}: ${finished.stderr || finished.stdout}`);
  }
  return finished.stdout;
}
