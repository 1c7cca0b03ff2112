import { OrderCompleted } from '@platform/contracts';
import { Exchanges, type OutboundMessage, Queues } from '@platform/messaging';
import { expectInvariants } from './support/invariants';
import { messagesConsumedBy } from './support/metrics';
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

type Service = keyof typeof urls;
/** One consumer: a service's queue or consumer group. */
type Receiver = `${Service} ${string}`;

/**
 * Who gets a copy of a message, as the topology routes it. On Kafka the order-activity group reads
 * every event, and the points group order.completed too. On RabbitMQ each message reaches one
 * queue, except order.placed, whose fanout copies it to the acknowledgement, inventory's demand,
 * and the reminder delay queue, which hands it to the order events later.
 */
function receiversOf(message: OutboundMessage): Receiver[] {
  const { destination } = message;
  if (destination.broker === 'kafka') return ['order order-activity', ...(message.type === OrderCompleted.type ? (['points points'] as const) : [])];
  switch (destination.exchange) {
    case Exchanges.sagaCommands:
      return message.type.startsWith('inventory.') ? [`inventory ${Queues.inventoryCommands}`] : [`payment ${Queues.paymentCommands}`];
    case Exchanges.sagaReplies:
      return [`order ${Queues.orderSagaReplies}`];
    case Exchanges.orderPlaced:
      return [`notification ${Queues.notificationOrderPlaced}`, `notification ${Queues.notificationOrderEvents}`, `inventory ${Queues.inventoryOrderDemand}`];
    case Exchanges.orderEvents:
      return [`notification ${Queues.notificationOrderEvents}`];
    case Exchanges.notificationDispatch: {
      const { channel, priority } = destination.routingHeaders ?? {};
      if (priority === 'high') return [`notification ${Queues.notificationUrgent}`];
      return [`notification ${channel === 'sms' ? Queues.notificationSms : Queues.notificationEmail}`];
    }
    default:
      throw new Error(`no receivers known for ${message.type} on ${destination.exchange}`);
  }
}

const duplicatesSeenBy = (receiver: Receiver) => {
  const [service, consumer] = receiver.split(' ') as [Service, string];
  return messagesConsumedBy(service, consumer, ['duplicate', 'duplicate-cached']);
};

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
    const copies = new Map<Receiver, number>();
    for (const receiver of messages.flatMap(receiversOf)) copies.set(receiver, (copies.get(receiver) ?? 0) + 1);
    expect([...copies.values()].reduce((sum, count) => sum + count, 0)).toBeGreaterThan(15);
    const receivers = [...copies.keys()];
    const duplicatesBefore = await Promise.all(receivers.map(duplicatesSeenBy));

    await publishAgain(messages);

    // Each consumer recognises every copy it was sent, and nothing else changes.
    await eventually(
      () => Promise.all(receivers.map(duplicatesSeenBy)),
      (seen) => seen.every((count, index) => count >= duplicatesBefore[index] + copies.get(receivers[index])!),
      { what: `each consumer to recognise its copies as duplicates (${receivers.map((receiver) => `${receiver}: ${copies.get(receiver)}`).join(', ')})` },
    );
    expect(await snapshot(orders, skus, customers)).toEqual(before);
    await expectInvariants({ stock: { [skus[0]]: 6, [skus[1]]: 2 }, customers, orders });
  });
});
