import { ensureConnectionRoom, prepareDatabases } from './databases';
import { type Dependency, ensureDependencies, ensureRabbitVhost, stopDependencies } from './infrastructure';
import type { Replicas } from './replicas';
import { type RunningApps, startServices, stopServices } from './services';

export interface Stack extends RunningApps {
  /** Brokers and databases that were down and this stack started. */
  readonly startedDependencies: readonly Dependency[];
  /** Stops what this stack started (services, and brokers or databases that were down), nothing else. */
  stop(): Promise<void>;
}

/**
 * Brings the platform up: dependencies (reused or started), databases and migrations, then the
 * five services (as many instances of each as `replicas` says), each waited for until
 * /health/ready answers 200.
 */
export async function startStack(log: (line: string) => void, serviceEnv: NodeJS.ProcessEnv = {}, replicas?: Replicas): Promise<Stack> {
  const startedDependencies = await ensureDependencies(log);
  let apps: RunningApps = { services: [], balancers: [] };
  const stop = async () => {
    await stopServices(apps);
    await stopDependencies(startedDependencies, log);
  };
  try {
    await ensureRabbitVhost(log);
    await prepareDatabases(log);
    if (replicas && Object.values(replicas).some((count) => count > 1)) {
      await ensureConnectionRoom(Object.values(replicas).reduce((sum, count) => sum + count, 0));
    }
    apps = await startServices(log, serviceEnv, replicas);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...apps, startedDependencies, stop };
}
