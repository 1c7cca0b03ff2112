import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { prepareDatabases } from './databases';
import { type Dependency, ensureDependencies, stopDependencies } from './infrastructure';
import { type RunningService, startServices, stopServices } from './services';
import { RUN_DIR, STATE_FILE } from './stack.config';

export interface Stack {
  readonly services: readonly RunningService[];
  /** Stops what this stack started (services, and brokers or databases that were down), nothing else. */
  stop(): Promise<void>;
}

export interface StackState {
  readonly runnerPid: number;
  readonly services: { name: string; pid: number }[];
  readonly dependencies: string[];
}

/**
 * Brings the platform up: dependencies (reused or started), databases and migrations, then the
 * five services, each waited for until /health/ready answers 200.
 */
export async function startStack(log: (line: string) => void, serviceEnv: NodeJS.ProcessEnv = {}): Promise<Stack> {
  const startedDependencies = await ensureDependencies(log);
  let services: RunningService[] = [];
  const stop = async () => {
    await stopServices(services);
    await stopDependencies(startedDependencies, log);
    rmSync(STATE_FILE, { force: true });
  };
  try {
    await prepareDatabases(log);
    services = await startServices(log, serviceEnv);
  } catch (error) {
    await stop();
    throw error;
  }
  writeState(services, startedDependencies);
  return { services, stop };
}

function writeState(services: readonly RunningService[], dependencies: readonly Dependency[]): void {
  mkdirSync(RUN_DIR, { recursive: true });
  const state: StackState = {
    runnerPid: process.pid,
    services: services.flatMap(({ spec, process: child }) => (child?.pid ? [{ name: spec.name, pid: child.pid }] : [])),
    dependencies: dependencies.map(({ name }) => name),
  };
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}
