import { expectInvariants } from './support/invariants';
import { eventually, http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';
import { pause } from './support/processes';

interface Payment {
  amountCents: number;
  status: string;
}

describe('a payment that does not answer in time', () => {
  let resumePayment: (() => void) | undefined;
  afterEach(() => resumePayment?.());

  it('reminds the customer, cancels the order PAYMENT_TIMEOUT, releases the stock, and refunds the charge that comes later', async () => {
    const [mug, customer] = [unique('mug'), unique('customer')];
    await putProduct(mug, 1500, 4);
    await putAccount(customer, 50_000);

    resumePayment = await pause('payment');
    const placed = await placeOrder(customer, [{ sku: mug, quantity: 2 }]);
    const order = await terminalOrder(placed.body.id, 90_000);

    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_TIMEOUT', totalCents: 3000 });
    expect(order.history.map(({ event }) => event)).toContain('step-timed-out');
    // The order stayed open past ORDER_REMINDER_DELAY_MS (shorter than the payment timeout): the
    // delayed copy of order.placed found it unfinished and the customer got a text.
    const notifications = await eventually(
      async () => (await http<{ template: string; channel: string }[]>('GET', `${urls.notification}/notifications?orderId=${order.id}`)).body,
      (list) => ['order-delayed', 'order-cancelled'].every((wanted) => list.some(({ template }) => template === wanted)),
      { what: 'the reminder and the cancellation notice' },
    );
    expect(notifications).toContainEqual(expect.objectContaining({ template: 'order-delayed', channel: 'sms', status: 'SENT' }));
    const released = await eventually(
      async () => (await http<{ available: number; reserved: number }>('GET', `${urls.inventory}/products/${mug}`)).body,
      (product) => product.reserved === 0,
      { what: 'the reservation to be released' },
    );
    expect(released.available).toBe(4);

    // Payment wakes up and works through its queue: it charges, and the saga refunds the late charge.
    resumePayment();
    const payments = await eventually(
      async () => (await http<Payment[]>('GET', `${urls.payment}/payments?orderId=${order.id}`)).body,
      (list) => list.some((payment) => payment.status === 'REFUNDED'),
      { timeoutMs: 60_000, what: 'the late charge to be refunded' },
    );
    expect(payments).toEqual([expect.objectContaining({ amountCents: 3000, status: 'REFUNDED' })]);
    expect((await http('GET', `${urls.payment}/accounts/${customer}`)).body).toMatchObject({ availableCents: 50_000 });

    const after = (await http<typeof order>('GET', `${urls.order}/orders/${order.id}`)).body;
    expect(after).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_TIMEOUT' });
    expect(after.history.map(({ event }) => event)).toContain('late-reply-undone');
    await expectInvariants({ stock: { [mug]: 4 }, customers: [customer], orders: [after] });
  });
});
