import net from 'node:net';
import { Queues } from '@platform/messaging';
import { ensureConnectionRoom } from '../../tools/stack/databases';
import { LoadBalancer } from '../../tools/stack/load-balancer';
import { poolSizesPerInstance } from '../../tools/stack/replicas';
import { isReady as isServing, type RunningService, startServiceInstance, stopServices, waitUntilReady } from '../../tools/stack/services';
import { SERVICES, type ServiceSpec } from '../../tools/stack/stack.config';
import { run } from './support/commands';
import { platformUnderTest } from './support/environment';
import { ordersStoredFor } from './support/database';
import { expectInvariants } from './support/invariants';
import { groupMembers } from './support/kafka';
import { samplesAt } from './support/metrics';
import { customersOf, eventsOf, expectEachOrderInSagaOrder, newLoadScenario, placeOrders, repeatedMessageIds } from './support/order-load';
import { eventually, http, terminalOrders, urls } from './support/platform';

const REPLICAS = 3;
type ServiceName = ServiceSpec['name'];

/** One instance of a service: the platform's own (on the service's port), or one this suite added. */
interface Instance {
  readonly service: ServiceName;
  readonly url: string;
}

const log = (line: string) => process.stdout.write(`[replicas] ${line}\n`);

async function pidOf(instance: Instance): Promise<number> {
  return (await http<{ pid: number }>('GET', `${instance.url}/health/live`)).body.pid;
}

const isReady = (instance: Instance) => isServing(instance.url);

/** Every message this instance consumed, from any queue or group, with any outcome. */
async function messagesConsumed(instance: Instance): Promise<number> {
  return (await samplesAt(instance.url, 'messages_consumed_total')).reduce((sum, { value }) => sum + value, 0);
}

/** Whether this instance leads `task` (task_leader 1), that is runs that alerting check for all instances. */
async function leads(instance: Instance, task: string): Promise<boolean> {
  return (await samplesAt(instance.url, 'task_leader')).some(({ labels, value }) => labels.includes(`task="${task}"`) && value === 1);
}

/** The alerting checks of the services, each of which must run in exactly one instance. */
const LED_TASKS: readonly [ServiceName, string][] = [
  ['order', 'stuck-sagas'],
  ['order', 'kafka-lag:order-activity'],
  ['points', 'kafka-lag:points'],
];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe(`${REPLICAS} instances of every service`, () => {
  const added: RunningService[] = [];
  const balancers = new Map<ServiceName, LoadBalancer>();
  const instances: Instance[] = [];
  const instancesOf = (service: ServiceName) => instances.filter((instance) => instance.service === service);
  const balanced = (service: ServiceName) => `http://127.0.0.1:${balancers.get(service)!.port}`;
  const leaders = async (service: ServiceName, task: string) => {
    const leading = await Promise.all(instancesOf(service).map((instance) => leads(instance, task)));
    return instancesOf(service).filter((_, index) => leading[index]).map(({ url }) => url);
  };
  /** Waits until each alerting check has exactly one leader, and returns who leads which. */
  const oneLeaderEach = async () => {
    const found: Record<string, string[]> = {};
    for (const [service, task] of LED_TASKS) {
      found[task] = await eventually(() => leaders(service, task), (urls) => urls.length === 1, {
        timeoutMs: 30_000,
        what: `exactly one ${service} instance to lead ${task}`,
      });
    }
    return found;
  };

  beforeAll(async () => {
    // The platform's own instance of each service, and two more sharing its database, vhost and groups.
    await ensureConnectionRoom(SERVICES.length * REPLICAS);
    const env = { ...process.env, LOG_LEVEL: 'warn', ...poolSizesPerInstance(REPLICAS, process.env) };
    for (const spec of SERVICES) {
      instances.push({ service: spec.name, url: urls[spec.name] });
      for (let instance = 2; instance <= REPLICAS; instance++) {
        const started = await startServiceInstance(spec, instance, env, log);
        added.push(started);
        instances.push({ service: spec.name, url: started.url });
      }
    }
    await Promise.all(added.map((service) => waitUntilReady(service)));
    for (const spec of SERVICES) {
      const ports = instancesOf(spec.name).map((instance) => Number(new URL(instance.url).port));
      const balancer = new LoadBalancer(await freePort(), ports);
      await balancer.listen();
      balancers.set(spec.name, balancer);
    }
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...balancers.values()].map((balancer) => balancer.close()));
    await stopServices({ services: added, balancers: [] });
    // An instance of the platform's own that a test killed is restarted by its supervisor: wait for it.
    for (const service of SERVICES) await eventually(() => isReady({ service: service.name, url: urls[service.name] }), Boolean, { timeoutMs: 90_000 });
  }, 180_000);

  it('share the work: every queue has a consumer in each instance, the Kafka groups split their partitions, and every instance takes a share of the messages', async () => {
    const consumersPerQueue = async () => {
      const listed = await run('rabbitmqctl', ['list_queues', '-q', '-p', platformUnderTest.rabbitVhost, 'name', 'consumers']);
      const consumers = new Map(listed.trim().split('\n').map((line) => line.trim().split(/\s+/)).map(([queue, count]) => [queue, Number(count)]));
      return Object.fromEntries(Object.values(Queues).map((queue) => [queue, consumers.get(queue)]));
    };
    const everyQueueTimesThree = Object.fromEntries(Object.values(Queues).map((queue) => [queue, REPLICAS]));
    const consumers = await eventually(consumersPerQueue, (counts) => JSON.stringify(counts) === JSON.stringify(everyQueueTimesThree), {
      timeoutMs: 30_000,
      intervalMs: 1_000,
      what: `${REPLICAS} consumers on every queue`,
    }).catch(consumersPerQueue);
    expect(consumers).toEqual(everyQueueTimesThree);
    for (const group of ['order-activity', 'points']) {
      // Three members, each holding a share (the order group reads three topics), no partition held twice.
      // Waited for: while the group rebalances, its members hold nothing.
      const splitThreeWays = (members: { partitions: string[] }[]) => {
        const held = members.flatMap(({ partitions }) => partitions);
        return members.length === REPLICAS && members.every(({ partitions }) => partitions.length > 0) && new Set(held).size === held.length;
      };
      await eventually(() => groupMembers(group), splitThreeWays, { timeoutMs: 60_000, what: `${group} split between ${REPLICAS} members` });
    }

    // The checks that raise alerts run in one instance of each service, not three: one alert, not three.
    await oneLeaderEach();

    const consumedBefore = await Promise.all(instances.map(messagesConsumed));
    const scenario = await newLoadScenario('replica');
    const orderIds = await placeOrders(balanced('order'), scenario, 90, 30);
    const orders = await terminalOrders(orderIds, 120_000);
    await expectInvariants({ stock: { [scenario.sku]: scenario.stock }, customers: customersOf(scenario), orders });
    expect(orders.filter(({ status }) => status === 'CANCELLED').length).toBeGreaterThan(0);
    expect(orders.filter(({ status }) => status === 'COMPLETED').length).toBeGreaterThan(0);

    // Every instance took a share of the messages: the replicas compete, none idles.
    const consumedAfter = await Promise.all(instances.map(messagesConsumed));
    const idle = instances.filter((_, index) => consumedAfter[index] === consumedBefore[index]).map(({ url }) => url);
    expect(idle).toEqual([]);

    // With no crash, three relays claiming from one outbox publish each row once: no message id twice in the log.
    const logged = await eventsOf(orderIds);
    expect(repeatedMessageIds(logged)).toEqual([]);
    expectEachOrderInSagaOrder(orders, logged);
  });

  it(`lose no order and double no effect when an instance of each service is killed under load`, async () => {
    const scenario = await newLoadScenario('replica');
    const leadersBefore = await oneLeaderEach();
    let killedLeaderPid = 0;
    const placing = placeOrders(balanced('order'), scenario, 150, 30);
    // One random instance of each service, SIGKILLed while orders flow; its supervisor restarts it. The
    // order service loses the leader of its stuck-saga check, so the lead must be taken again.
    for (const spec of SERVICES) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const candidates = instancesOf(spec.name);
      const leader = spec.name === 'order' ? candidates.find(({ url }) => url === leadersBefore['stuck-sagas'][0]) : undefined;
      const victim = leader ?? candidates[Math.floor(Math.random() * candidates.length)];
      log(`killing ${victim.url} (${spec.name})`);
      const pid = await pidOf(victim);
      if (leader) killedLeaderPid = pid;
      process.kill(pid, 'SIGKILL');
    }
    const orderIds = await placing;
    // A retried POST whose first answer died with its instance was not placed twice.
    expect(new Set(orderIds).size).toBe(150);
    const stored = await Promise.all(customersOf(scenario).map(ordersStoredFor));
    expect(stored.reduce((sum, count) => sum + count, 0)).toBe(150);
    await eventually(async () => (await Promise.all(instances.map(isReady))).every(Boolean), Boolean, {
      timeoutMs: 120_000,
      what: 'every killed instance to be restarted',
    });
    const orders = await terminalOrders(orderIds, 180_000);

    // The killed leader's lock went with its connection: a process alive now leads the check (another
    // instance, or the victim restarted), and every check still has exactly one leader.
    const leadersAfter = await oneLeaderEach();
    expect(await pidOf({ service: 'order', url: leadersAfter['stuck-sagas'][0] })).not.toBe(killedLeaderPid);

    // Stock, credit, charges, points and notifications agree with the orders' outcomes: nothing lost, nothing twice.
    await expectInvariants({ stock: { [scenario.sku]: scenario.stock }, customers: customersOf(scenario), orders });
    for (const order of orders) {
      const { body: notifications } = await http<{ template: string; channel: string }[]>('GET', `${urls.notification}/notifications?orderId=${order.id}`);
      const kinds = notifications.map(({ template, channel }) => `${template}/${channel}`);
      expect(new Set(kinds).size).toBe(kinds.length);
    }
    // A relay killed between publishing and marking may publish a row again; the log keeps each order's events in order anyway.
    expectEachOrderInSagaOrder(orders, await eventsOf(orderIds));
  }, 420_000);
});
