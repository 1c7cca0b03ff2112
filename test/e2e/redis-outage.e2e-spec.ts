import { expectInvariants } from './support/invariants';
import { http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';
import { awaitServicesRememberingInRedis, ensureRedisIsUp, redisIsUp, stopRedis } from './support/redis';

describe('Redis, the inbox fast path, going away', () => {
  afterEach(ensureRedisIsUp);
  afterAll(awaitServicesRememberingInRedis, 90_000);

  it('when Redis stops in the middle of a batch of orders, then the services stay ready and every invariant holds', async () => {
    const skus = [unique('mug'), unique('tea')];
    await Promise.all(skus.map((sku) => putProduct(sku, 900, 6)));
    const customers = [unique('rich'), unique('poor')];
    await putAccount(customers[0], 100_000);
    await putAccount(customers[1], 2_000);

    const accepted: string[] = [];
    for (let index = 0; index < 16; index += 1) {
      if (index === 5) {
        await stopRedis();
      }
      const placed = await placeOrder(customers[index % 2], [{ sku: skus[index % 2], quantity: 1 }]);
      expect(placed.status).toBe(202);
      accepted.push(placed.body.id);
    }
    const orders = await Promise.all(accepted.map((id) => terminalOrder(id, 60_000)));

    expect(await redisIsUp()).toBe(false);
    for (const url of Object.values(urls)) expect((await http('GET', `${url}/health/ready`)).status).toBe(200);
    await expectInvariants({ stock: { [skus[0]]: 6, [skus[1]]: 6 }, customers, orders });
  });
});
