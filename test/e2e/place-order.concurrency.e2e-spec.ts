import { expectInvariants } from './support/invariants';
import { http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

describe('many orders racing for the same stock', () => {
  it('40 orders at once for a product with stock 10 complete exactly 10 and cancel 30 OUT_OF_STOCK', async () => {
    const sku = unique('limited');
    await putProduct(sku, 250, 10);
    const customers = Array.from({ length: 40 }, (_, index) => unique(`buyer${index}`));
    await Promise.all(customers.map((customer) => putAccount(customer, 10_000)));

    const placed = await Promise.all(customers.map((customer) => placeOrder(customer, [{ sku, quantity: 1 }])));
    expect(placed.map(({ status }) => status)).toEqual(Array(40).fill(202));
    const orders = await Promise.all(placed.map(({ body }) => terminalOrder(body.id, 60_000)));

    const completed = orders.filter((order) => order.status === 'COMPLETED');
    const cancelled = orders.filter((order) => order.status === 'CANCELLED');
    expect(completed).toHaveLength(10);
    expect(cancelled).toHaveLength(30);
    expect(new Set(cancelled.map((order) => order.cancellationReason))).toEqual(new Set(['OUT_OF_STOCK']));
    await expectInvariants({ stock: { [sku]: 10 }, customers, orders });
    expect((await http('GET', `${urls.inventory}/products/${sku}`)).body).toMatchObject({ available: 0, reserved: 0 });
  });
});
