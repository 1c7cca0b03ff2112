import { expectInvariants } from './support/invariants';
import { type OrderView, placeOrder, putAccount, putProduct, terminalOrder, unique } from './support/platform';
import { killAndAwaitRestart } from './support/processes';

const services = ['inventory', 'payment', 'notification', 'points', 'order'] as const;

describe.each(services)('when %s is killed with SIGKILL in the middle of a batch of orders', (service) => {
  it('every accepted order still reaches a terminal status, and every invariant holds once it is back', async () => {
    const skus = [unique('mug'), unique('tea'), unique('pot')];
    const stock = Object.fromEntries(skus.map((sku) => [sku, 8]));
    await Promise.all(skus.map((sku, index) => putProduct(sku, 300 + index * 150, 8)));
    // Different credit limits, so some orders complete and some are declined.
    const customers = [unique('rich'), unique('middling'), unique('poor')];
    await Promise.all(customers.map((customer, index) => putAccount(customer, [100_000, 4_000, 900][index])));

    const accepted: string[] = [];
    let killed: Promise<void> | undefined;
    for (let index = 0; index < 24; index += 1) {
      const lines = [{ sku: skus[index % 3], quantity: 1 + (index % 2) }];
      if (index % 4 === 0) lines.push({ sku: skus[(index + 1) % 3], quantity: 1 });
      try {
        const placed = await placeOrder(customers[index % 3], lines);
        if (placed.status === 202) accepted.push(placed.body.id);
      } catch (refused) {
        // While the order service itself is down, POSTs are refused; only accepted orders count.
        if (service !== 'order') throw refused;
      }
      if (index === 7) killed = killAndAwaitRestart(service);
    }
    await killed;

    const orders: OrderView[] = await Promise.all(accepted.map((id) => terminalOrder(id, 120_000)));
    expect(accepted.length).toBeGreaterThanOrEqual(8);
    expect(orders.some((order) => order.status === 'COMPLETED')).toBe(true);
    await expectInvariants({ stock, customers, orders });
  });
});
