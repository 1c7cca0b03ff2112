import { existsSync, readFileSync, rmSync } from 'node:fs';
import { CLUSTER_PORTS } from './broker-clusters';
import { STATE_FILE } from './stack.config';
import type { StackState } from './start';

const log = (line: string): void => void process.stdout.write(`[stack] ${line}\n`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: no such process
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return true;
}

/** `npm run stop`: asks the running `npm start` to stop what it started, or cleans up after it. */
async function main(): Promise<void> {
  if (!existsSync(STATE_FILE)) return log('nothing to stop: no platform started by npm start is running');
  const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as StackState;
  if (alive(state.runnerPid)) {
    process.kill(state.runnerPid, 'SIGTERM');
    if (await waitForExit(state.runnerPid, 90_000)) return log('stopped');
  }
  for (const { name, pid } of state.services.filter(({ pid }) => alive(pid))) {
    log(`stopping ${name} (pid ${pid})`);
    process.kill(pid, 'SIGTERM');
    if (!(await waitForExit(pid, 15_000))) process.kill(pid, 'SIGKILL');
  }
  if (state.cluster) {
    log(
      `left running, started by the stopped run: the broker clusters (KAFKA_PORT=${CLUSTER_PORTS.kafka} KAFKA_NODES=3 scripts/kafka.sh stop; RABBITMQ_CLUSTER_PORT=${CLUSTER_PORTS.rabbit} scripts/rabbitmq-cluster.sh stop)`,
    );
  }
  if (state.dependencies.length > 0) {
    log(`left running, started by the stopped run: ${state.dependencies.join(', ')} (scripts/kafka.sh stop stops Kafka)`);
  }
  rmSync(STATE_FILE, { force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`[stack] stop failed: ${(error as Error).message}\n`);
  process.exit(1);
});
