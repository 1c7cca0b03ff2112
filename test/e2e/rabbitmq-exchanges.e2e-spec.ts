import { randomUUID } from 'node:crypto';
import { Exchanges, type OutboundMessage, Queues, Routes } from '@platform/messaging';
import { run } from './support/commands';
import { prefetchOf } from './support/configuration';
import { queryService } from './support/database';
import { platformUnderTest } from './support/environment';
import { expectInvariants } from './support/invariants';
import { eventually, http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';
import { remindersChecked } from './support/reminders';
import { publishDirectly } from './support/republish';

interface SentNotification {
  template: string;
  channel: string;
  sent_via: string;
}

/** Which sender queue sent each of an order's notifications: where the headers exchange routed it. */
const sentNotifications = (orderId: string) =>
  queryService<SentNotification>(
    'notification',
    'SELECT template, channel, sent_via FROM notification WHERE order_id = $1 ORDER BY template',
    [orderId],
  );

function message(type: string, destination: OutboundMessage['destination'], payload: unknown): OutboundMessage {
  const orderId = randomUUID();
  return { messageId: randomUUID(), type, version: 1, correlationId: orderId, occurredAt: new Date().toISOString(), destination, payload };
}

async function completedOrder() {
  const [sku, customer] = [unique('lamp'), unique('customer')];
  await putProduct(sku, 2500, 3);
  await putAccount(customer, 100_000);
  const order = await terminalOrder((await placeOrder(customer, [{ sku, quantity: 1 }])).body.id);
  expect(order.status).toBe('COMPLETED');
  return { order, sku, customer };
}

describe('RabbitMQ: each exchange type carries one of the platform flows', () => {
  it('direct: a saga command reaches the one participant bound to its type; a type nobody handles is unroutable', async () => {
    const { order, sku, customer } = await completedOrder();
    // Reserving (inventory.commands) and charging (payment.commands) both happened, each in its own service.
    expect((await http<{ reserved: number; available: number }>('GET', `${urls.inventory}/products/${sku}`)).body).toMatchObject({
      available: 2,
    });
    expect((await http('GET', `${urls.payment}/payments?orderId=${order.id}`)).body).toEqual([
      expect.objectContaining({ amountCents: 2500, status: 'CHARGED' }),
    ]);

    const [unbound] = await publishDirectly([
      message('payment.authorize', { broker: 'rabbitmq', exchange: Exchanges.sagaCommands, routingKey: 'payment.authorize' }, {}),
    ]);
    expect(unbound).toMatchObject({ ok: false, error: expect.stringContaining('unroutable') });
    await expectInvariants({ stock: { [sku]: 3 }, customers: [customer], orders: [order] });
  });

  it('topic: order events reach notification through its order.* binding; other keys match nothing', async () => {
    const { order } = await completedOrder();
    await eventually(() => sentNotifications(order.id), (sent) => sent.some(({ template }) => template === 'order-completed'), {
      what: 'the order.completed event to be notified',
    });

    const [outsidePattern] = await publishDirectly([
      message('payment.charged', { broker: 'rabbitmq', exchange: Exchanges.orderEvents, routingKey: 'payment.charged' }, {}),
    ]);
    expect(outsidePattern).toMatchObject({ ok: false, error: expect.stringContaining('unroutable') });
  });

  it('fanout: order.placed reaches every bound queue: the acknowledgement, inventory demand and the reminder delay', async () => {
    const { order, sku } = await completedOrder();
    const [unknownSku, customer] = [unique('never-put'), unique('customer')];
    const refused = await terminalOrder((await placeOrder(customer, [{ sku: unknownSku, quantity: 3 }])).body.id);
    expect(refused).toMatchObject({ status: 'CANCELLED', cancellationReason: 'UNKNOWN_PRODUCT' });

    // Inventory counts demand from its own copy, served or not.
    const demandOf = async (of: string) => (await http('GET', `${urls.inventory}/products/${of}/demand`)).body;
    await eventually(() => demandOf(sku), (demand) => (demand as { ordersPlaced: number }).ordersPlaced === 1, { what: 'demand for the sold product' });
    expect(await demandOf(sku)).toEqual({ sku, ordersPlaced: 1, unitsRequested: 1 });
    await eventually(() => demandOf(unknownSku), (demand) => (demand as { ordersPlaced: number }).ordersPlaced === 1, {
      what: 'demand for a product nobody stocks',
    });
    expect(await demandOf(unknownSku)).toEqual({ sku: unknownSku, ordersPlaced: 1, unitsRequested: 3 });
    // Copy one: the customer is told the order was received.
    await eventually(() => sentNotifications(order.id), (sent) => sent.some(({ template }) => template === 'order-received'), {
      what: 'the order-received acknowledgement',
    });
    // Copy two comes out of the delay queue later; the order has ended by then, so no reminder is sent.
    await remindersChecked([order.id]);
    // The reminder's decision is the outbox row it would have written in the same transaction: none.
    const reminders = await queryService(
      'notification',
      "SELECT 1 FROM outbox_message WHERE aggregate_id = $1 AND message_type = 'notification.send' AND payload->>'template' = 'order-delayed'",
      [order.id],
    );
    expect(reminders).toEqual([]);
  });

  it('headers: a notification goes to the sender queue its channel and priority headers match', async () => {
    const { order } = await completedOrder();
    const [sku, customer] = [unique('sold-out'), unique('customer')];
    await putProduct(sku, 100, 0);
    await putAccount(customer, 10_000);
    const cancelled = await terminalOrder((await placeOrder(customer, [{ sku, quantity: 1 }])).body.id);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK' });

    const routine = await eventually(() => sentNotifications(order.id), (sent) => sent.length >= 2, { what: 'two notifications' });
    expect(routine).toEqual(
      expect.arrayContaining([
        { template: 'order-completed', channel: 'email', sent_via: Queues.notificationEmail },
        { template: 'order-received', channel: 'email', sent_via: Queues.notificationEmail },
      ]),
    );
    const urgent = await eventually(
      () => sentNotifications(cancelled.id),
      (sent) => sent.some(({ template }) => template === 'order-cancelled'),
      { what: 'the cancellation notice' },
    );
    expect(urgent).toContainEqual({ template: 'order-cancelled', channel: 'email', sent_via: Queues.notificationUrgent });

    const sms = message('notification.send', Routes.notificationDispatch({ channel: 'sms', priority: 'normal' }), {
      orderId: randomUUID(),
      customerId: customer,
      channel: 'sms',
      priority: 'normal',
      template: 'order-delayed',
      body: 'routed on headers',
    });
    const fax = message('notification.send', Routes.notificationDispatch({ channel: 'fax', priority: 'normal' }), {});
    const [smsResult, faxResult] = await publishDirectly([{ ...sms, correlationId: (sms.payload as { orderId: string }).orderId }, fax]);
    expect(smsResult).toEqual({ ok: true });
    expect(faxResult).toMatchObject({ ok: false, error: expect.stringContaining('unroutable') });
    const smsSent = await eventually(
      () => sentNotifications((sms.payload as { orderId: string }).orderId),
      (sent) => sent.length === 1,
      { what: 'the sms to be sent' },
    );
    expect(smsSent).toEqual([{ template: 'order-delayed', channel: 'sms', sent_via: Queues.notificationSms }]);
  });
});

describe('RabbitMQ prefetch', () => {
  it('is set per consumer: each queue gets the window its topology (or RABBITMQ_PREFETCH_PER_QUEUE) gives it', async () => {
    const listed = await run('rabbitmqctl', ['list_consumers', '-q', '-p', platformUnderTest.rabbitVhost, 'queue_name', 'prefetch_count']);
    const consumerWindows = new Map(
      listed
        .trim()
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .map(([queue, prefetch]) => [queue, Number(prefetch)] as const),
    );
    const queues = [Queues.inventoryCommands, Queues.notificationSms, Queues.notificationUrgent];
    expect(Object.fromEntries(queues.map((queue) => [queue, consumerWindows.get(queue)]))).toEqual(
      Object.fromEntries(queues.map((queue) => [queue, prefetchOf(queue)])),
    );
  });
});
