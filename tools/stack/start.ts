import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { MissingDependencyError } from './infrastructure';
import { CLUSTER_PORTS } from './broker-clusters';
import { ReplicaSettingError, replicasFrom } from './replicas';
import { instanceName } from './services';
import { LOG_DIR, RUN_DIR, STATE_FILE } from './stack.config';
import { type Stack, startStack } from './stack';

/** What `npm run stop` needs to find this run: written by `npm start` only, removed when it stops. */
export interface StackState {
  readonly runnerPid: number;
  readonly services: { name: string; pid: number }[];
  readonly dependencies: string[];
  /** Whether the services use the three-node broker clusters (`--cluster`). */
  readonly cluster?: boolean;
}

function writeState(stack: Stack): void {
  mkdirSync(RUN_DIR, { recursive: true });
  const state: StackState = {
    runnerPid: process.pid,
    services: stack.services.flatMap((service) => (service.process?.pid ? [{ name: instanceName(service), pid: service.process.pid }] : [])),
    dependencies: stack.startedDependencies.map(({ name }) => name),
    cluster: stack.clusters !== undefined,
  };
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}

const log = (line: string): void => void process.stdout.write(`[stack] ${line}\n`);

/**
 * `npm start`: the whole platform in the foreground; Ctrl-C (or `npm run stop`) stops what it
 * started. `npm start -- --replicas N` (or STACK_REPLICAS) runs more instances of the services;
 * `npm start -- --cluster` puts them on a three-node Kafka and a three-node RabbitMQ.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const replicas = replicasFrom(args);
  const stack = await startStack(log, {}, replicas, args.includes('--cluster') ? CLUSTER_PORTS : undefined);
  writeState(stack);
  log('the platform is up:');
  for (const service of stack.services) {
    const balancer = stack.balancers.find(({ instancePorts }) => instancePorts.includes(Number(new URL(service.url).port)));
    if (balancer && service.instance === 1) {
      log(`  ${service.spec.name.padEnd(14)} http://127.0.0.1:${balancer.port}   (load balancer over ${balancer.instancePorts.length} instances)`);
    }
    log(`  ${instanceName(service).padEnd(14)} ${service.url}   (log: ${service.logFile})`);
  }
  if (stack.clusters) {
    log(`  rabbitmq     ${stack.clusters.rabbit.nodes.map(({ port }) => `amqp://127.0.0.1:${port}`).join(' ')}   (3-node cluster)`);
    log(`  kafka        ${stack.clusters.kafka.brokers.join(' ')}   (3-node cluster)`);
  } else {
    log('  rabbitmq     amqp://127.0.0.1:5672   kafka 127.0.0.1:9092');
  }
  log(`logs are JSON lines in ${LOG_DIR}; try: tail -f ${stack.services.find((service) => service.spec.name === 'order')?.logFile}`);
  log('press Ctrl-C to stop');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping what this run started`);
    stack.stop().then(
      () => {
        rmSync(STATE_FILE, { force: true });
        log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log(`stop failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof MissingDependencyError || error instanceof ReplicaSettingError) process.stderr.write(`[stack] ${error.message}\n`);
  else process.stderr.write(`[stack] start failed: ${(error as Error).message}\n`);
  process.exit(1);
});
