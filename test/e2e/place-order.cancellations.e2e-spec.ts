import { expectInvariants } from './support/invariants';
import { orderEventsInLog } from './support/kafka-events';
import { http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

const productOf = (sku: string) => http<{ available: number; reserved: number }>('GET', `${urls.inventory}/products/${sku}`);
const accountOf = (customer: string) => http<{ availableCents: number }>('GET', `${urls.payment}/accounts/${customer}`);

describe('an order that cannot be fulfilled', () => {
  it('when a line asks for more than is available, then it is cancelled OUT_OF_STOCK and nothing is held', async () => {
    const [mug, tea, customer] = [unique('mug'), unique('tea'), unique('customer')];
    await putProduct(mug, 1000, 5);
    await putProduct(tea, 300, 1);
    await putAccount(customer, 100_000);

    const placed = await placeOrder(customer, [
      { sku: mug, quantity: 2 },
      { sku: tea, quantity: 2 },
    ]);
    const order = await terminalOrder(placed.body.id);

    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK' });
    expect(order.totalCents).toBeUndefined();
    // All or nothing: the line that could be served was not held either.
    expect((await productOf(mug)).body).toMatchObject({ available: 5, reserved: 0 });
    expect((await productOf(tea)).body).toMatchObject({ available: 1, reserved: 0 });
    expect((await accountOf(customer)).body.availableCents).toBe(100_000);
    await expectInvariants({ stock: { [mug]: 5, [tea]: 1 }, customers: [customer], orders: [order] });
  });

  it('when a sku is unknown, then it is cancelled UNKNOWN_PRODUCT', async () => {
    const [mug, customer] = [unique('mug'), unique('customer')];
    await putProduct(mug, 1000, 5);
    await putAccount(customer, 100_000);

    const placed = await placeOrder(customer, [
      { sku: mug, quantity: 1 },
      { sku: unique('never-put'), quantity: 1 },
    ]);
    const order = await terminalOrder(placed.body.id);

    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'UNKNOWN_PRODUCT' });
    expect((await productOf(mug)).body).toMatchObject({ available: 5, reserved: 0 });
    await expectInvariants({ stock: { [mug]: 5 }, customers: [customer], orders: [order] });
  });

  it('when the customer has no account, then it is cancelled UNKNOWN_CUSTOMER and the reservation is released', async () => {
    const [mug, customer] = [unique('mug'), unique('no-account')];
    await putProduct(mug, 1000, 5);

    const placed = await placeOrder(customer, [{ sku: mug, quantity: 2 }]);
    const order = await terminalOrder(placed.body.id);

    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'UNKNOWN_CUSTOMER', totalCents: 2000 });
    expect(order.history.map(({ step, event }) => `${step}: ${event}`)).toEqual([
      'reserve-stock: command-sent',
      'reserve-stock: reply-received',
      'charge-payment: command-sent',
      'charge-payment: failure-reply-received',
      'reserve-stock: compensation-sent',
      'charge-payment: saga-compensated',
    ]);
    await expectInvariants({ stock: { [mug]: 5 }, customers: [], orders: [order] });
    expect((await productOf(mug)).body).toMatchObject({ available: 5, reserved: 0 });
    expect((await http('GET', `${urls.points}/points/${customer}`)).body).toMatchObject({ balance: 0 });
  });

  it('when the charge is beyond the available credit, then it is cancelled PAYMENT_DECLINED and nothing is charged', async () => {
    const [mug, customer] = [unique('mug'), unique('customer')];
    await putProduct(mug, 1000, 5);
    await putAccount(customer, 2999);

    const placed = await placeOrder(customer, [{ sku: mug, quantity: 3 }]);
    const order = await terminalOrder(placed.body.id);

    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_DECLINED', totalCents: 3000 });
    expect((await accountOf(customer)).body.availableCents).toBe(2999);
    expect((await http('GET', `${urls.payment}/payments?orderId=${order.id}`)).body).toEqual([]);
    await expectInvariants({ stock: { [mug]: 5 }, customers: [customer], orders: [order] });
  });

  it('a cancelled order is published to the Kafka order log, keyed by its id', async () => {
    const customer = unique('customer');
    const placed = await placeOrder(customer, [{ sku: unique('never-put'), quantity: 1 }]);
    await terminalOrder(placed.body.id);

    const events = await orderEventsInLog(placed.body.id, ['order.placed', 'order.cancelled']);

    expect(events).toEqual([
      expect.objectContaining({ type: 'order.placed', key: placed.body.id }),
      expect.objectContaining({
        type: 'order.cancelled',
        key: placed.body.id,
        payload: { orderId: placed.body.id, customerId: customer, reason: 'UNKNOWN_PRODUCT' },
      }),
    ]);
  });
});
