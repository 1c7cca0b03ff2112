import { expectInvariants } from './support/invariants';
import { http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

/** The contract's largest amounts: money and points are exact up to 2^53 - 1 and stored as 64-bit integers. */
const MAX_PRICE_CENTS = 100_000_000;
const MAX_QUANTITY = 1000;
const MAX_CREDIT_LIMIT_CENTS = 1_000_000_000_000;

const accountOf = (customer: string) =>
  http<{ creditLimitCents: number; availableCents: number }>('GET', `${urls.payment}/accounts/${customer}`);
const productOf = (sku: string) => http<{ priceCents: number; available: number; reserved: number }>('GET', `${urls.inventory}/products/${sku}`);

describe('money beyond 32 bits', () => {
  it('when an account gets the largest credit limit, then it is stored and read back exactly', async () => {
    const customer = unique('whale');

    const put = await http('PUT', `${urls.payment}/accounts/${customer}`, { creditLimitCents: MAX_CREDIT_LIMIT_CENTS });

    expect(put.status).toBe(200);
    expect((await accountOf(customer)).body).toEqual({
      customerId: customer,
      creditLimitCents: MAX_CREDIT_LIMIT_CENTS,
      availableCents: MAX_CREDIT_LIMIT_CENTS,
    });
  });

  it('when three orders of 10^11 cents complete, then each is charged exactly and the points balance is 3 x 10^9', async () => {
    const [yacht, customer] = [unique('yacht'), unique('whale')];
    await putProduct(yacht, MAX_PRICE_CENTS, 3 * MAX_QUANTITY);
    await putAccount(customer, MAX_CREDIT_LIMIT_CENTS);

    const placed = await Promise.all([1, 2, 3].map(() => placeOrder(customer, [{ sku: yacht, quantity: MAX_QUANTITY }])));
    const orders = await Promise.all(placed.map(({ body }) => terminalOrder(body.id)));

    const total = MAX_PRICE_CENTS * MAX_QUANTITY;
    for (const order of orders) expect(order).toMatchObject({ status: 'COMPLETED', totalCents: total });
    expect((await accountOf(customer)).body.availableCents).toBe(MAX_CREDIT_LIMIT_CENTS - 3 * total);
    // The balance passes 2^31 on the second order. (The invariants also wait for the stock to be committed.)
    await expectInvariants({ stock: { [yacht]: 3 * MAX_QUANTITY }, customers: [customer], orders });
    expect((await productOf(yacht)).body).toMatchObject({ priceCents: MAX_PRICE_CENTS, available: 0, reserved: 0 });
    expect((await http<{ balance: number }>('GET', `${urls.points}/points/${customer}`)).body.balance).toBe(3_000_000_000);
  });

  it('when the largest possible order (10^13 cents) is beyond the credit, then it is declined with its exact total and the stock comes back', async () => {
    const customer = unique('whale');
    const skus = Array.from({ length: 100 }, (_, line) => unique(`island-${line}`));
    await Promise.all(skus.map((sku) => putProduct(sku, MAX_PRICE_CENTS, MAX_QUANTITY)));
    await putAccount(customer, MAX_CREDIT_LIMIT_CENTS);

    const placed = await placeOrder(
      customer,
      skus.map((sku) => ({ sku, quantity: MAX_QUANTITY })),
    );
    const order = await terminalOrder(placed.body.id);

    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_DECLINED', totalCents: 10 ** 13 });
    expect((await accountOf(customer)).body.availableCents).toBe(MAX_CREDIT_LIMIT_CENTS);
    await expectInvariants({
      stock: Object.fromEntries(skus.map((sku) => [sku, MAX_QUANTITY])),
      customers: [customer],
      orders: [order],
    });
  });
});
