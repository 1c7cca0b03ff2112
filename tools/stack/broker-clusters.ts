import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { answers } from './infrastructure';
import { ROOT } from './stack.config';

const run = promisify(execFile);

/** Where a cluster's nodes listen: node n of Kafka on kafka + 2(n-1) (its controller on the port after), of RabbitMQ on rabbit + n - 1. */
export interface ClusterPorts {
  readonly kafka: number;
  readonly rabbit: number;
}

/** `npm start -- --cluster`'s; the cluster suite's own are apart from them, so both can run. */
export const CLUSTER_PORTS: ClusterPorts = { kafka: 9192, rabbit: 5682 };

const NODES = [1, 2, 3] as const;
export type NodeId = (typeof NODES)[number];

/**
 * Three nodes run by one of scripts/kafka.sh and scripts/rabbitmq-cluster.sh: both scripts take
 * `start` (every node that is down, a killed one included), `stop` and `pid N`.
 */
abstract class ScriptedCluster {
  readonly nodes: readonly { id: NodeId; port: number }[];

  protected constructor(
    private readonly scriptName: string,
    private readonly scriptEnv: NodeJS.ProcessEnv,
    nodePort: (id: NodeId) => number,
    /** Where the script keeps the nodes' data, logs and settings. */
    private readonly directory: string,
  ) {
    this.nodes = NODES.map((id) => ({ id, port: nodePort(id) }));
  }

  protected async script(...args: string[]): Promise<string> {
    const { stdout } = await run(path.join(ROOT, 'scripts', this.scriptName), args, {
      env: { ...process.env, ...this.scriptEnv },
      timeout: 240_000,
    });
    return stdout.trim();
  }

  /** Starts every node that is down, a killed one included (it rejoins), and waits until all run. */
  async start(): Promise<void> {
    await this.script('start');
  }

  async stop(): Promise<void> {
    await this.script('stop');
  }

  /** Stops the nodes and deletes everything they kept: the next start makes a new, empty cluster. */
  async discard(): Promise<void> {
    await this.stop();
    // A node the script does not know of (no pid file) would survive the stop and lose its files under it.
    const stillAnswering = (await Promise.all(this.nodes.map(({ port }) => answers('127.0.0.1', port)))).some(Boolean);
    if (stillAnswering) throw new Error(`a node of ${this.scriptName}'s cluster still answers after stop: stop it before its files are deleted`);
    await rm(this.directory, { recursive: true, force: true });
  }

  async pid(node: NodeId): Promise<number> {
    return Number(await this.script('pid', String(node)));
  }
}

/** Three KRaft nodes, each broker and controller, from scripts/kafka.sh: every topic on all three, min.insync.replicas 2. */
export class KafkaCluster extends ScriptedCluster {
  constructor(firstPort: number) {
    super(
      'kafka.sh',
      { KAFKA_PORT: String(firstPort), KAFKA_NODES: '3' },
      (id) => firstPort + 2 * (id - 1),
      path.join(ROOT, '.cache', 'kafka', `cluster-${firstPort}`),
    );
  }

  get brokers(): string[] {
    return this.nodes.map(({ port }) => `127.0.0.1:${port}`);
  }

  /** The node that leads the KRaft quorum: the cluster's active controller. */
  async activeController(): Promise<NodeId> {
    return Number(await this.script('controller')) as NodeId;
  }
}

/** Three RabbitMQ nodes clustered by scripts/rabbitmq-cluster.sh, beside the machine's own broker. */
export class RabbitCluster extends ScriptedCluster {
  constructor(firstPort: number) {
    super(
      'rabbitmq-cluster.sh',
      { RABBITMQ_CLUSTER_PORT: String(firstPort) },
      (id) => firstPort + id - 1,
      path.join(ROOT, '.cache', 'rabbitmq', `cluster-${firstPort}`),
    );
  }

  /** RABBITMQ_URL for the services: every node, in the default vhost (the cluster is the platform's alone). */
  get urls(): string[] {
    return this.nodes.map(({ port }) => `amqp://guest:guest@127.0.0.1:${port}`);
  }

  /** rabbitmqctl against a node, with -q; its output. */
  ctl(node: NodeId, ...args: string[]): Promise<string> {
    return this.script('ctl', String(node), ...args);
  }

  /** The node that leads a quorum queue, asked of a node that runs. */
  async leaderOf(queue: string, askNode: NodeId = 1): Promise<NodeId> {
    const listed = await this.ctl(askNode, 'list_queues', 'name', 'leader', '--no-table-headers');
    const line = listed.split('\n').find((entry) => entry.split(/\s+/)[0] === queue);
    const leader = line?.split(/\s+/)[1];
    const node = leader && /^cluster-\d+-(\d)@/.exec(leader)?.[1];
    if (!node) throw new Error(`no leader found for queue ${queue} in: ${listed}`);
    return Number(node) as NodeId;
  }

  /** The nodes the cluster reports running, asked of a node that runs. */
  async runningNodes(askNode: NodeId = 1): Promise<NodeId[]> {
    const status = JSON.parse(await this.ctl(askNode, 'cluster_status', '--formatter', 'json')) as { running_nodes: string[] };
    return status.running_nodes.map((name) => Number(/^cluster-\d+-(\d)@/.exec(name)?.[1]) as NodeId).sort();
  }
}

export interface BrokerClusters {
  readonly kafka: KafkaCluster;
  readonly rabbit: RabbitCluster;
  /** What the services are started with to use the clusters. */
  readonly environment: { RABBITMQ_URL: string; KAFKA_BROKERS: string };
  /** Stops the clusters, unless every node of both already ran before: then they are someone else's. */
  stop(): Promise<void>;
}

/**
 * Starts a three-node Kafka and a three-node RabbitMQ side by side, or reuses them when all their
 * nodes answer already. If either fails to start, both are stopped again before the error is thrown.
 */
export async function startBrokerClusters(ports: ClusterPorts, log: (line: string) => void): Promise<BrokerClusters> {
  const kafka = new KafkaCluster(ports.kafka);
  const rabbit = new RabbitCluster(ports.rabbit);
  const allPorts = [...kafka.nodes, ...rabbit.nodes].map(({ port }) => port);
  const reused = (await Promise.all(allPorts.map((port) => answers('127.0.0.1', port)))).every(Boolean);
  const stopBoth = async () => {
    log('stopping the broker clusters');
    const stopped = await Promise.allSettled([kafka.stop(), rabbit.stop()]);
    for (const result of stopped) if (result.status === 'rejected') log(`a broker cluster did not stop cleanly: ${(result.reason as Error).message}`);
  };
  if (reused) log(`reusing the 3-node Kafka on ${kafka.brokers.join(', ')} and the 3-node RabbitMQ on ports ${rabbit.nodes.map(({ port }) => port).join(', ')}`);
  else log(`starting a 3-node Kafka on ${kafka.brokers.join(', ')} and a 3-node RabbitMQ on ports ${rabbit.nodes.map(({ port }) => port).join(', ')}`);
  const started = await Promise.allSettled([kafka.start(), rabbit.start()]);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await stopBoth();
    throw new Error(`the broker clusters did not start: ${(failure.reason as Error).message}`);
  }
  return {
    kafka,
    rabbit,
    environment: { RABBITMQ_URL: rabbit.urls.join(','), KAFKA_BROKERS: kafka.brokers.join(',') },
    stop: async () => {
      if (reused) return log('leaving the broker clusters running: they ran before this stack started');
      await stopBoth();
    },
  };
}
