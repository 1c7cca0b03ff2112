import { Exchanges } from '@platform/messaging';
import { expectInvariants } from './support/invariants';
import { messagesConsumed } from './support/metrics';
import { eventually, http, type OrderView, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';
import { remindersChecked } from './support/reminders';
import { publishAgain, publishedMessagesAbout } from './support/republish';

async function snapshot(orders: readonly OrderView[], skus: readonly string[], customers: readonly string[]) {
  const get = async (url: string) => (await http('GET', url)).body;
  return {
    orders: await Promise.all(orders.map((order) => get(`${urls.order}/orders/${order.id}`))),
    products: await Promise.all(skus.map((sku) => get(`${urls.inventory}/products/${sku}`))),
    demand: await Promise.all(skus.map((sku) => get(`${urls.inventory}/products/${sku}/demand`))),
    accounts: await Promise.all(customers.map((customer) => get(`${urls.payment}/accounts/${customer}`))),
    payments: await Promise.all(orders.map((order) => get(`${urls.payment}/payments?orderId=${order.id}`))),
    points: await Promise.all(customers.map((customer) => get(`${urls.points}/points/${customer}`))),
    notifications: await Promise.all(orders.map((order) => get(`${urls.notification}/notifications?orderId=${order.id}`))),
  };
}

describe('every message delivered twice', () => {
  it('leaves the platform exactly as the single delivery left it', async () => {
    const skus = [unique('mug'), unique('tea')];
    await putProduct(skus[0], 1250, 6);
    await putProduct(skus[1], 480, 2);
    const customers = [unique('rich'), unique('poor')];
    await putAccount(customers[0], 100_000);
    await putAccount(customers[1], 1_000);
    const placed = await Promise.all([
      placeOrder(customers[0], [{ sku: skus[0], quantity: 2 }, { sku: skus[1], quantity: 1 }]), // completes
      placeOrder(customers[0], [{ sku: skus[1], quantity: 5 }]), // out of stock
      placeOrder(customers[1], [{ sku: skus[0], quantity: 1 }]), // declined
      placeOrder(customers[1], [{ sku: skus[1], quantity: 1 }]), // completes
    ]);
    const orders = await Promise.all(placed.map(({ body }) => terminalOrder(body.id)));
    await expectInvariants({ stock: { [skus[0]]: 6, [skus[1]]: 2 }, customers, orders });
    await remindersChecked(orders.map((order) => order.id));
    const before = await snapshot(orders, skus, customers);

    // Deadlines are left out: a copy would only wait in its delay queue to be ignored as stale.
    const messages = (await publishedMessagesAbout(orders.map((order) => order.id))).filter(
      (message) => message.destination.broker === 'kafka' || message.destination.exchange !== Exchanges.sagaTimeouts,
    );
    // Each RabbitMQ message reaches one queue, except order.placed whose fanout copies it to three:
    // the acknowledgement, the reminder delay queue and inventory's demand. On Kafka the
    // order-activity group reads every event, and the points group order.completed too.
    const copiesOf = (message: (typeof messages)[number]) =>
      message.destination.broker === 'kafka'
        ? 1 + Number(message.type === 'order.completed')
        : message.destination.exchange === Exchanges.orderPlaced
          ? 3
          : 1;
    const expectedCopies = messages.reduce((sum, message) => sum + copiesOf(message), 0);
    expect(expectedCopies).toBeGreaterThan(15);
    const duplicatesBefore = await messagesConsumed(['duplicate', 'duplicate-cached']);

    await publishAgain(messages);

    await eventually(
      () => messagesConsumed(['duplicate', 'duplicate-cached']),
      (duplicates) => duplicates >= duplicatesBefore + expectedCopies,
      { what: `${expectedCopies} copies to be recognised as duplicates` },
    );
    expect(await snapshot(orders, skus, customers)).toEqual(before);
    await expectInvariants({ stock: { [skus[0]]: 6, [skus[1]]: 2 }, customers, orders });
  });
});
