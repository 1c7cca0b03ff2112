import { expectInvariants } from './support/invariants';
import { COMPLETED_SAGA_STEPS, eventually, http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

describe('placing an order that can be fulfilled', () => {
  it('completes it, takes the stock and the money, earns points and notifies the customer', async () => {
    const mug = unique('mug');
    const tea = unique('tea');
    const customer = unique('customer');
    await putProduct(mug, 1250, 10);
    await putProduct(tea, 499, 5);
    await putAccount(customer, 100_000);

    const placed = await placeOrder(customer, [
      { sku: mug, quantity: 3 },
      { sku: tea, quantity: 2 },
    ]);

    expect(placed.status).toBe(202);
    expect(placed.headers.get('location')).toBe(`/orders/${placed.body.id}`);
    expect(placed.body).toMatchObject({ customerId: customer, status: 'PENDING' });

    const order = await terminalOrder(placed.body.id);
    expect(order).toMatchObject({ status: 'COMPLETED', totalCents: 3 * 1250 + 2 * 499 });
    expect(order.cancellationReason).toBeUndefined();
    expect(order.history.map(({ step, event }) => `${step}: ${event}`)).toEqual(COMPLETED_SAGA_STEPS);
    expect(order.history.every(({ at }) => !Number.isNaN(Date.parse(at)))).toBe(true);

    const stockOf = (sku: string) => http<{ available: number; reserved: number }>('GET', `${urls.inventory}/products/${sku}`);
    await eventually(
      async () => [(await stockOf(mug)).body, (await stockOf(tea)).body],
      ([mugStock, teaStock]) => mugStock.reserved === 0 && teaStock.reserved === 0,
      { what: 'the reservations to be committed' },
    );
    expect((await stockOf(mug)).body).toMatchObject({ available: 7, reserved: 0 });
    expect((await stockOf(tea)).body).toMatchObject({ available: 3, reserved: 0 });

    expect((await http('GET', `${urls.payment}/accounts/${customer}`)).body).toEqual({
      customerId: customer,
      creditLimitCents: 100_000,
      availableCents: 100_000 - 4748,
    });
    const payments = await http<unknown[]>('GET', `${urls.payment}/payments?orderId=${order.id}`);
    expect(payments.body).toEqual([expect.objectContaining({ orderId: order.id, amountCents: 4748, status: 'CHARGED' })]);

    const points = await eventually(
      async () => (await http<{ balance: number }>('GET', `${urls.points}/points/${customer}`)).body,
      ({ balance }) => balance > 0,
      { what: 'points to be credited' },
    );
    expect(points).toEqual({ customerId: customer, balance: 47 });

    const notifications = await eventually(
      async () => (await http<{ template: string }[]>('GET', `${urls.notification}/notifications?orderId=${order.id}`)).body,
      (list) => list.length >= 2,
      { what: 'the notifications' },
    );
    expect(notifications).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ orderId: order.id, channel: 'email', template: 'order-received', status: 'SENT' }),
        expect.objectContaining({ orderId: order.id, channel: 'email', template: 'order-completed', status: 'SENT' }),
      ]),
    );

    await expectInvariants({ stock: { [mug]: 10, [tea]: 5 }, customers: [customer], orders: [order] });
  });

  it('answers 404 for an order that does not exist', async () => {
    const result = await http('GET', `${urls.order}/orders/00000000-0000-4000-8000-000000000000`);

    expect(result.status).toBe(404);
  });

  it('gives a customer with no points a balance of 0', async () => {
    const customer = unique('nobody');

    expect((await http('GET', `${urls.points}/points/${customer}`)).body).toEqual({ customerId: customer, balance: 0 });
  });
});
