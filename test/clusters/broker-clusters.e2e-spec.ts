import { randomUUID } from 'node:crypto';
import { KafkaTopics, type OutboundMessage, Queues, RabbitConnection, RabbitPublisher } from '@platform/messaging';
import * as amqp from 'amqplib';
import { type Admin, KafkaJSError } from 'kafkajs';
import pino from 'pino';
import { KafkaCluster, type NodeId, RabbitCluster } from '../../tools/stack/broker-clusters';
import { ordersStoredFor } from '../e2e/support/database';
import { expectInvariants } from '../e2e/support/invariants';
import { kafka } from '../e2e/support/kafka';
import {
  customersOf,
  eventsOf,
  expectEachOrderInSagaOrder,
  type LoadScenario,
  newLoadScenario,
  repeatedMessageIds,
  SteadyOrders,
} from '../e2e/support/order-load';
import { eventually, http, ordersNow, type OrderView, terminalOrders, urls } from '../e2e/support/platform';
import { CLUSTER_SUITE_PORTS } from './global-setup';

const kafkaNodes = new KafkaCluster(CLUSTER_SUITE_PORTS.kafka);
const rabbitNodes = new RabbitCluster(CLUSTER_SUITE_PORTS.rabbit);
const TOPICS = Object.values(KafkaTopics);

/** The steady load every outage runs under, in orders per second. */
const RATE = 20;
/** Orders sent after a kill that must finish while the node is still dead. */
const FINISHED_DURING_OUTAGE = 30;

const log = (line: string) => process.stdout.write(`[clusters] ${line}\n`);

/**
 * Admin work on the cluster, tried again for a while: until the controller notices a killed node
 * (broker.session.timeout.ms, 9 s by default), metadata still names it and a request sent to it fails.
 */
async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await work(admin);
    } catch (error) {
      if (!(error instanceof KafkaJSError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await admin.disconnect();
    }
  }
}

const partitions = (topics: readonly string[]) =>
  withAdmin(async (admin) => {
    const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
    return described.flatMap(({ name, partitions: parts }) => parts.map((partition) => ({ topic: name, ...partition })));
  });

/** How many messages the topics hold: grows while a producer with acks=all still gets its writes in. */
const messagesIn = (topics: readonly string[]) =>
  withAdmin(async (admin) => {
    let total = 0;
    for (const topic of topics) for (const { high } of await admin.fetchTopicOffsets(topic)) total += Number(high);
    return total;
  });

/** The offsets the points group has committed on the orders log, summed over partitions: what it has consumed. */
const consumedByPoints = () =>
  withAdmin(async (admin) => {
    const [orders] = await admin.fetchOffsets({ groupId: 'points', topics: [KafkaTopics.orders] });
    return orders.partitions.reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
  });

const isTerminal = ({ status }: OrderView) => status === 'COMPLETED' || status === 'CANCELLED';
/** From POST to the order's terminal step, by the order's own timestamps. */
const endToEndMs = ({ history }: OrderView) => Date.parse(history.at(-1)!.at) - Date.parse(history[0].at);

/**
 * SIGKILLs a node and, before bringing it back, waits until FINISHED_DURING_OUTAGE orders sent after
 * the kill have finished and the points group has consumed events that reached the orders log after
 * the kill. Returns the slowest end-to-end time among the orders sent in the five seconds after the
 * kill: how long the platform took to get past the loss.
 */
async function survive(what: string, pid: number, load: SteadyOrders): Promise<number> {
  const logEndAtKill = await messagesIn([KafkaTopics.orders]);
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  log(`killed ${what} (pid ${pid})`);
  const finished = await eventually(
    async () => (await ordersNow(load.sentSince(killedAt))).filter(isTerminal),
    (orders) => orders.length >= FINISHED_DURING_OUTAGE,
    { timeoutMs: 90_000, intervalMs: 500, what: `${FINISHED_DURING_OUTAGE} orders sent after killing ${what} to finish` },
  );
  expect(finished.filter(({ status }) => status === 'COMPLETED').length).toBeGreaterThan(0);
  // Committed past the log's end at the kill: events were written after it, with acks=all, and consumed.
  await eventually(consumedByPoints, (consumed) => consumed > logEndAtKill, {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: `the points group to consume events written to the orders log after killing ${what}`,
  });
  const consumedAfterMs = Date.now() - killedAt;
  const firstSeconds = await terminalOrders(load.sentSince(killedAt, killedAt + 5_000), 120_000);
  const slowest = Math.max(...firstSeconds.map(endToEndMs));
  log(`${what}: ${finished.length} orders finished during the outage; the slowest sent in the 5 s after the kill took ${slowest} ms; points consumed new events ${consumedAfterMs} ms after the kill`);
  return slowest;
}

/**
 * Every order placed under load is there once and finished, and its effects happened once. With
 * `kafkaNodeLost`, the Kafka log may hold a copy of an event: a batch written by a leader that died
 * before acknowledging it is sent again, by a producer whose sequence numbers the new leader no
 * longer matches. Each copy must then be the same message, which the consumers' inboxes take once.
 */
async function expectNothingLostOrDoubled(scenario: LoadScenario, placed: readonly { id: string }[], { kafkaNodeLost = false } = {}): Promise<void> {
  const ids = placed.map(({ id }) => id);
  expect(new Set(ids).size).toBe(ids.length);
  const stored = await Promise.all(customersOf(scenario).map(ordersStoredFor));
  expect(stored.reduce((sum, count) => sum + count, 0)).toBe(ids.length);
  const orders = await terminalOrders(ids, 180_000);
  await expectInvariants({ stock: { [scenario.sku]: scenario.stock }, customers: customersOf(scenario), orders });
  for (const finished of orders) {
    const { body: notifications } = await http<{ template: string; channel: string }[]>('GET', `${urls.notification}/notifications?orderId=${finished.id}`);
    const kinds = notifications.map(({ template, channel }) => `${template}/${channel}`);
    expect(new Set(kinds).size).toBe(kinds.length);
  }
  const logged = await eventsOf(ids);
  const repeated = repeatedMessageIds(logged);
  if (kafkaNodeLost) {
    const differing = repeated.filter((id) => new Set(logged.filter((record) => record.headers['message-id'] === id).map((record) => JSON.stringify([record.type, record.payload]))).size > 1);
    expect(differing).toEqual([]);
    log(`${repeated.length} of ${new Set(logged.map((record) => record.headers['message-id'])).size} events logged more than once, each as the same message`);
  } else {
    expect(repeated).toEqual([]);
  }
  expectEachOrderInSagaOrder(orders, logged);
}

/**
 * Every partition in sync on all three nodes and led by its preferred node again. A leader that
 * moved back later would fail the producers' requests to the old one in the middle of the next test.
 */
async function healed(): Promise<boolean> {
  return (await partitions(TOPICS)).every(({ isr, leader, replicas }) => isr.length === 3 && leader === replicas[0]);
}

/**
 * Runs `work` under a steady load of new orders, once the first of them have finished. The load is
 * stopped however `work` ends, so a failed test leaves no orders being sent into the next.
 */
async function underLoad(prefix: string, work: (load: SteadyOrders, scenario: LoadScenario) => Promise<void>): Promise<void> {
  const scenario = await newLoadScenario(prefix);
  const load = new SteadyOrders(urls.order, scenario, RATE);
  try {
    await eventually(async () => (await ordersNow(load.sentSince(0))).filter(isTerminal).length, (count) => count >= 20, {
      timeoutMs: 60_000,
      what: 'the load to get going',
    });
    await work(load, scenario);
  } finally {
    // After a failure the sends may fail too; the test's own error is the one to report.
    await load.stop().catch((error: unknown) => log(`the load ended with: ${(error as Error).message}`));
  }
}

describe('the platform on three-node broker clusters', () => {
  it('keeps every topic on all three Kafka nodes (two in sync before a write counts) and every queue on all three RabbitMQ nodes', async () => {
    const described = await partitions(TOPICS);
    expect(described.length).toBeGreaterThan(0);
    for (const { topic, partitionId, replicas } of described) expect({ topic, partitionId, replicas: replicas.length }).toEqual({ topic, partitionId, replicas: 3 });

    const configs = await withAdmin((admin) => admin.describeConfigs({ resources: TOPICS.map((name) => ({ type: 2, name })), includeSynonyms: false }));
    for (const resource of configs.resources) {
      expect(resource.configEntries.find(({ configName }) => configName === 'min.insync.replicas')?.configValue).toBe('2');
    }

    const listed = await rabbitNodes.ctl(1, 'list_queues', 'name', 'type', 'members', '--no-table-headers');
    const queues = new Map(listed.split('\n').map((line) => line.split('\t')).map(([name, type, members]) => [name, { type, members: (members.match(/@/g) ?? []).length }]));
    for (const queue of Object.values(Queues)) expect({ queue, ...queues.get(queue) }).toEqual({ queue, type: 'quorum', members: 3 });
  });

  // Before the Kafka losses: a producer that has not sent since Kafka's leaders moved back still
  // writes to the old leaders, and a batch whose sends half succeed is sent again whole. The Kafka
  // test allows those copies of an event; this one counts any copy as the RabbitMQ loss's doing.
  it('completes orders while RabbitMQ loses the node leading order.saga-replies, and loses or doubles nothing', () =>
    underLoad('rabbit-cluster', async (load, scenario) => {
      const leader = await rabbitNodes.leaderOf(Queues.orderSagaReplies);
      const survivor = rabbitNodes.nodes.find(({ id }) => id !== leader)!.id;
      const recovery = await survive(`RabbitMQ node ${leader}, leader of ${Queues.orderSagaReplies}`, await rabbitNodes.pid(leader), load);
      expect(await rabbitNodes.leaderOf(Queues.orderSagaReplies, survivor)).not.toBe(leader);
      await rabbitNodes.start();
      await eventually(() => rabbitNodes.runningNodes(survivor), (running) => running.length === 3, { timeoutMs: 60_000, what: `node ${leader} to rejoin` });

      await expectNothingLostOrDoubled(scenario, await load.stop());
      log(`recovery: saga-replies leader lost → slowest order ${recovery} ms`);
  }), 600_000);

  it('completes orders while Kafka loses the node leading orders partitions, then its active controller, and loses nothing nor doubles an effect', () =>
    underLoad('kafka-cluster', async (load, scenario) => {
      const leaders = (await partitions([KafkaTopics.orders])).map(({ leader }) => leader as NodeId);
      const leader = leaders.sort((a, b) => leaders.filter((id) => id === b).length - leaders.filter((id) => id === a).length)[0];
      const afterLeader = await survive(`Kafka node ${leader}, leader of ${leaders.filter((id) => id === leader).length} orders partitions`, await kafkaNodes.pid(leader), load);
      await eventually(() => partitions([KafkaTopics.orders]), (parts) => parts.every(({ leader: now }) => now !== leader && now >= 0), {
        timeoutMs: 30_000,
        what: `every orders partition to be led by a live node`,
      });
      await kafkaNodes.start();
      await eventually(healed, Boolean, { timeoutMs: 120_000, intervalMs: 500, what: `node ${leader} to catch up (every partition in sync on 3 nodes, led by its preferred one)` });

      const controller = await kafkaNodes.activeController();
      const afterController = await survive(`Kafka node ${controller}, the active controller`, await kafkaNodes.pid(controller), load);
      await eventually(() => kafkaNodes.activeController(), (now) => now !== controller, { timeoutMs: 30_000, what: 'another node to lead the controllers' });
      await kafkaNodes.start();
      await eventually(healed, Boolean, { timeoutMs: 120_000, intervalMs: 500, what: `node ${controller} to catch up and lead again` });

      await expectNothingLostOrDoubled(scenario, await load.stop(), { kafkaNodeLost: true });
      log(`recovery: partition leader lost → slowest order ${afterLeader} ms; controller lost → ${afterController} ms`);
  }), 600_000);

  it('publishes to a quorum queue whose leader just died, through a channel opened while it elects a new one', async () => {
    // A quorum queue of this test's own, and the node that leads it.
    const queue = `cluster-publisher-${randomUUID().slice(0, 8)}`;
    const admin = await amqp.connect(rabbitNodes.urls[0]);
    await (await admin.createChannel()).assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await admin.close();
    const leader = await rabbitNodes.leaderOf(queue);
    const survivors = rabbitNodes.nodes.filter(({ id }) => id !== leader).map(({ id }) => id);

    const logger = pino({ level: 'silent' });
    const connection = new RabbitConnection(
      { urls: survivors.map((node) => rabbitNodes.urls[node - 1]), firstUrl: 0, connectionName: 'cluster-suite-publisher', topology: { exchanges: [], queues: [], delayQueues: [] } },
      logger,
    );
    const publisher = new RabbitPublisher(connection, logger);
    const message = (): OutboundMessage => ({
      messageId: randomUUID(),
      type: 'cluster-suite.probe',
      version: 1,
      correlationId: queue,
      occurredAt: new Date().toISOString(),
      payload: {},
      destination: { broker: 'rabbitmq', exchange: '', routingKey: queue },
    });
    let refused = 0;
    const publishes = async () => ((await publisher.publish([message()]))[0].ok ? true : (refused++, false));
    try {
      process.kill(await rabbitNodes.pid(leader), 'SIGKILL');
      const killedAt = Date.now();
      // Connected and publishing at once, while the queue elects its new leader. On RabbitMQ 3.10 such a
      // channel nacked every publish to the queue for as long as it lived; the publisher gives it up.
      connection.start();
      await eventually(publishes, Boolean, { timeoutMs: 30_000, intervalMs: 10, what: `a publish to ${queue} to be confirmed after its leader's node died` });
      log(`publisher: confirmed ${Date.now() - killedAt} ms after the queue's leader died, after ${refused} refused tries`);
    } finally {
      await connection.stop();
      await rabbitNodes.start();
      await eventually(() => rabbitNodes.runningNodes(survivors[0]), (running) => running.length === 3, { timeoutMs: 60_000, what: `node ${leader} to rejoin` });
      await rabbitNodes.ctl(survivors[0], 'delete_queue', queue);
    }
  });
});
