import { prepareDatabases } from './databases';
import { type Dependency, ensureDependencies, ensureRabbitVhost, stopDependencies } from './infrastructure';
import { type RunningService, startServices, stopServices } from './services';

export interface Stack {
  readonly services: readonly RunningService[];
  /** Brokers and databases that were down and this stack started. */
  readonly startedDependencies: readonly Dependency[];
  /** Stops what this stack started (services, and brokers or databases that were down), nothing else. */
  stop(): Promise<void>;
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
  };
  try {
    await ensureRabbitVhost(log);
    await prepareDatabases(log);
    services = await startServices(log, serviceEnv);
  } catch (error) {
    await stop();
    throw error;
  }
  return { services, startedDependencies, stop };
}
