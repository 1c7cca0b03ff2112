import { type ClusterPorts, KafkaCluster, RabbitCluster } from '../../tools/stack/broker-clusters';
import { instanceEnvironment } from '../../tools/stack/stack.config';
import { startStack, type Stack } from '../../tools/stack/stack';
import { E2E_SETTINGS } from '../e2e/support/global-setup';

declare global {
  var clusterStack: Stack | undefined;
}

/** The suite's own clusters, apart from `npm start -- --cluster`'s (9192…, 5682…), so both can run. */
export const CLUSTER_SUITE_PORTS: ClusterPorts = { kafka: 19192, rabbit: 5692 };

/**
 * The broker-cluster suite always runs on an instance of the platform of its own ("clusters"): a
 * three-node Kafka and a three-node RabbitMQ it starts and stops, and the five services on their
 * own ports (3200-3205), databases and Redis database. It kills broker nodes, which no other
 * platform on this machine should feel. The support modules read the addresses from process.env.
 *
 * The clusters start empty every time: nodes left running by an interrupted run, or the data of
 * an earlier one, would make a run start from a state no test chose.
 */
export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stdout.write(`[cluster stack] ${line}\n`);
  Object.assign(process.env, instanceEnvironment('clusters'), E2E_SETTINGS);
  log('discarding the suite\'s broker clusters of any earlier run');
  await Promise.all([new KafkaCluster(CLUSTER_SUITE_PORTS.kafka).discard(), new RabbitCluster(CLUSTER_SUITE_PORTS.rabbit).discard()]);
  globalThis.clusterStack = await startStack(log, E2E_SETTINGS, undefined, CLUSTER_SUITE_PORTS);
}
