import { ordersStoredFor } from './support/database';
import { expectInvariants } from './support/invariants';
import { http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

describe('POST /orders with an Idempotency-Key', () => {
  it('when the same request is sent again, then it answers the same order and starts nothing new', async () => {
    const [mug, customer, key] = [unique('mug'), unique('customer'), unique('key')];
    await putProduct(mug, 700, 10);
    await putAccount(customer, 100_000);
    const items = [{ sku: mug, quantity: 2 }];

    const first = await placeOrder(customer, items, { 'Idempotency-Key': key });
    const order = await terminalOrder(first.body.id);
    const again = await placeOrder(customer, items, { 'Idempotency-Key': key });

    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('location')).toBe(`/orders/${first.body.id}`);
    expect(again.body.status).toBe('COMPLETED');
    expect(await ordersStoredFor(customer)).toBe(1);
    await expectInvariants({ stock: { [mug]: 10 }, customers: [customer], orders: [order] });
    expect((await http('GET', `${urls.payment}/accounts/${customer}`)).body).toMatchObject({ availableCents: 100_000 - 1400 });
  });

  it('when the same key comes with a different body, then it answers 409 and stores nothing', async () => {
    const [mug, customer, key] = [unique('mug'), unique('customer'), unique('key')];
    await putProduct(mug, 700, 10);
    await putAccount(customer, 100_000);
    const first = await placeOrder(customer, [{ sku: mug, quantity: 1 }], { 'Idempotency-Key': key });

    const conflicting = await placeOrder(customer, [{ sku: mug, quantity: 5 }], { 'Idempotency-Key': key });

    expect(first.status).toBe(202);
    expect(conflicting.status).toBe(409);
    expect(await ordersStoredFor(customer)).toBe(1);
  });

  it('when two customers pick the same key, then each gets an order of their own', async () => {
    const [mug, ada, bob, key] = [unique('mug'), unique('ada'), unique('bob'), unique('key')];
    await putProduct(mug, 700, 10);
    await Promise.all([putAccount(ada, 100_000), putAccount(bob, 100_000)]);
    const items = [{ sku: mug, quantity: 1 }];

    const [forAda, forBob] = await Promise.all([
      placeOrder(ada, items, { 'Idempotency-Key': key }),
      placeOrder(bob, items, { 'Idempotency-Key': key }),
    ]);

    expect([forAda.status, forBob.status]).toEqual([202, 202]);
    expect(forAda.body.id).not.toBe(forBob.body.id);
    expect([forAda.body.customerId, forBob.body.customerId]).toEqual([ada, bob]);
    expect([await ordersStoredFor(ada), await ordersStoredFor(bob)]).toEqual([1, 1]);
    const orders = await Promise.all([terminalOrder(forAda.body.id), terminalOrder(forBob.body.id)]);
    await expectInvariants({ stock: { [mug]: 10 }, customers: [ada, bob], orders });
  });

  it('when the same request is sent many times at once, then exactly one order exists and all answers name it', async () => {
    const [mug, customer, key] = [unique('mug'), unique('customer'), unique('key')];
    await putProduct(mug, 700, 10);
    await putAccount(customer, 100_000);
    const items = [{ sku: mug, quantity: 1 }];

    const answers = await Promise.all(Array.from({ length: 8 }, () => placeOrder(customer, items, { 'Idempotency-Key': key })));

    expect(answers.map(({ status }) => status)).toEqual(Array(8).fill(202));
    expect(new Set(answers.map(({ body }) => body.id)).size).toBe(1);
    expect(await ordersStoredFor(customer)).toBe(1);
    const order = await terminalOrder(answers[0].body.id);
    await expectInvariants({ stock: { [mug]: 10 }, customers: [customer], orders: [order] });
  });

  it('without a key, the same request twice is two orders', async () => {
    const [mug, customer] = [unique('mug'), unique('customer')];
    await putProduct(mug, 700, 10);
    await putAccount(customer, 100_000);

    const [first, second] = [await placeOrder(customer, [{ sku: mug, quantity: 1 }]), await placeOrder(customer, [{ sku: mug, quantity: 1 }])];

    expect(first.body.id).not.toBe(second.body.id);
    const orders = [await terminalOrder(first.body.id), await terminalOrder(second.body.id)];
    await expectInvariants({ stock: { [mug]: 10 }, customers: [customer], orders });
  });
});
