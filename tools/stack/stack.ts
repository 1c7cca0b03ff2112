import { type BrokerClusters, type ClusterPorts, startBrokerClusters } from './broker-clusters';
import { ensureConnectionRoom, prepareDatabases } from './databases';
import { type Dependency, ensureDependencies, ensureRabbitVhost, stopDependencies } from './infrastructure';
import type { Replicas } from './replicas';
import { type RunningApps, startServices, stopServices } from './services';

export interface Stack extends RunningApps {
  /** Brokers and databases that were down and this stack started. */
  readonly startedDependencies: readonly Dependency[];
  /** The three-node Kafka and RabbitMQ the services use instead of single brokers, when asked for. */
  readonly clusters?: BrokerClusters;
  /** Stops what this stack started (services, and brokers or databases that were down), nothing else. */
  stop(): Promise<void>;
}

/**
 * Brings the platform up: dependencies (reused or started), databases and migrations, then the
 * five services (as many instances of each as `replicas` says), each waited for until
 * /health/ready answers 200. With `clusterPorts`, the services use a three-node Kafka and a
 * three-node RabbitMQ on those ports instead of single brokers: started here and stopped with the
 * stack, or, when all their nodes already ran, reused and left running.
 */
export async function startStack(
  log: (line: string) => void,
  serviceEnv: NodeJS.ProcessEnv = {},
  replicas?: Replicas,
  clusterPorts?: ClusterPorts,
): Promise<Stack> {
  let clusters: BrokerClusters | undefined;
  let startedDependencies: Dependency[] = [];
  let apps: RunningApps = { services: [], balancers: [] };
  const stop = async () => {
    try {
      await stopServices(apps);
      await stopDependencies(startedDependencies, log);
    } finally {
      await clusters?.stop();
    }
  };
  try {
    if (clusterPorts) {
      clusters = await startBrokerClusters(clusterPorts, log);
      // Everything below (the dependency checks, the vhost, the services) then reads the clusters' addresses.
      Object.assign(process.env, clusters.environment);
    }
    startedDependencies = await ensureDependencies(log);
    await ensureRabbitVhost(log);
    await prepareDatabases(log);
    if (replicas && Object.values(replicas).some((count) => count > 1)) {
      await ensureConnectionRoom(Object.values(replicas).reduce((sum, count) => sum + count, 0));
    }
    apps = await startServices(log, { ...serviceEnv, ...clusters?.environment }, replicas);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...apps, startedDependencies, clusters, stop };
}
