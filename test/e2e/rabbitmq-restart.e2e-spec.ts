import { run } from './support/commands';
import { expectInvariants } from './support/invariants';
import { eventually, http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

const rabbitmqctl = (command: 'stop_app' | 'start_app') => run('rabbitmqctl', [command], 60_000);
const readiness = async (service: keyof typeof urls) => (await http('GET', `${urls[service]}/health/ready`)).status;

describe('RabbitMQ going away while orders flow', () => {
  let stopped = false;
  afterEach(async () => {
    if (stopped) await rabbitmqctl('start_app');
  });

  it('is survived: services report not-ready while it is gone, reconnect, and every order ends with every invariant holding', async () => {
    const skus = [unique('mug'), unique('tea')];
    await Promise.all(skus.map((sku) => putProduct(sku, 700, 8)));
    const customers = [unique('rich'), unique('poor')];
    await putAccount(customers[0], 100_000);
    await putAccount(customers[1], 2_000);

    const accepted: string[] = [];
    const place = async (index: number) => {
      const placed = await placeOrder(customers[index % 2], [{ sku: skus[index % 2], quantity: 1 + (index % 2) }]);
      expect(placed.status).toBe(202); // the order service needs only its database to accept an order
      accepted.push(placed.body.id);
    };
    for (let index = 0; index < 6; index += 1) await place(index);

    await rabbitmqctl('stop_app');
    stopped = true;
    await eventually(() => readiness('inventory'), (status) => status === 503, { what: 'inventory to report not-ready' });
    expect(await readiness('points')).toBe(200); // points uses Kafka only
    for (let index = 6; index < 12; index += 1) await place(index);

    await rabbitmqctl('start_app');
    stopped = false;
    for (const service of ['order', 'inventory', 'payment', 'notification'] as const) {
      await eventually(() => readiness(service), (status) => status === 200, { timeoutMs: 60_000, what: `${service} to reconnect` });
    }
    for (let index = 12; index < 16; index += 1) await place(index);

    const orders = await Promise.all(accepted.map((id) => terminalOrder(id, 90_000)));
    expect(orders.filter((order) => order.status === 'COMPLETED').length).toBeGreaterThan(0);
    await expectInvariants({ stock: { [skus[0]]: 8, [skus[1]]: 8 }, customers, orders });
  });
});
