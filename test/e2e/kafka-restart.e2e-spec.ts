import path from 'node:path';
import { run } from './support/commands';
import { platformUnderTest } from './support/environment';
import { expectInvariants } from './support/invariants';
import { eventually, type OrderView, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

const kafkaScript = (command: 'start' | 'stop') =>
  run('env', [`KAFKA_PORT=${platformUnderTest.kafkaPort}`, 'bash', path.resolve(__dirname, '../../scripts/kafka.sh'), command]);

const readiness = async (url: string) => (await fetch(`${url}/health/ready`)).status;

describe('a Kafka broker restart while orders flow', () => {
  let stopped = false;
  afterEach(async () => {
    if (stopped) await kafkaScript('start');
  });

  it('is survived: the outboxes hold the events, consumers recover, every order ends and the invariants hold', async () => {
    const [sku, customers] = [unique('cup'), [unique('customer'), unique('customer')]];
    await putProduct(sku, 550, 200);
    for (const customer of customers) await putAccount(customer, 1_000_000);
    const place = (count: number) =>
      Promise.all(Array.from({ length: count }, (_, index) => placeOrder(customers[index % 2], [{ sku, quantity: 1 }])));

    const placed = [...(await place(10))];
    expect(await kafkaScript('stop')).toMatch(/kafka: stopped/);
    stopped = true;
    placed.push(...(await place(10)));
    await eventually(() => readiness(urls.points), (status) => status === 503, { what: 'points to report Kafka down' });
    // The saga runs on RabbitMQ, so orders still end; their Kafka events wait in the outboxes.
    const whileDown = await Promise.all(placed.slice(10).map(({ body }) => terminalOrder(body.id, 60_000)));
    expect(whileDown.every(({ status }) => status === 'COMPLETED')).toBe(true);

    await kafkaScript('start');
    stopped = false;
    placed.push(...(await place(10)));
    for (const url of [urls.order, urls.inventory, urls.payment, urls.points]) {
      await eventually(() => readiness(url), (status) => status === 200, { timeoutMs: 90_000, what: `${url} to be ready again` });
    }
    const orders: OrderView[] = await Promise.all(placed.map(({ body }) => terminalOrder(body.id, 60_000)));
    await expectInvariants({ stock: { [sku]: 200 }, customers, orders });
  });
});
