import { ChargePayment, OrderCompleted, OrderPlaced, ReserveStock, SendNotification, StockReserved } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import fc from 'fast-check';
import { expectInvariants } from './support/invariants';
import { eventually, placeOrder, putAccount, putProduct, terminalOrder, unique, type urls } from './support/platform';
import { deadLettersOf } from './support/dead-letters';
import { publishRaw } from './support/rabbitmq';

/** Every queue a service consumes, with the service that consumes it. */
const CONSUMED: readonly [keyof typeof urls, string][] = [
  ['inventory', Queues.inventoryCommands],
  ['inventory', Queues.inventoryOrderDemand],
  ['payment', Queues.paymentCommands],
  ['order', Queues.orderSagaReplies],
  ['notification', Queues.notificationOrderEvents],
  ['notification', Queues.notificationOrderPlaced],
  ['notification', Queues.notificationEmail],
  ['notification', Queues.notificationSms],
  ['notification', Queues.notificationUrgent],
];

const KNOWN_TYPES = [ReserveStock, ChargePayment, StockReserved, OrderPlaced, OrderCompleted, SendNotification].map(({ type }) => type);

/** A message no contract accepts: a known or made-up type, with a body that is not JSON, or JSON of the wrong shape. */
const brokenMessage = fc.record({
  type: fc.oneof(fc.constantFrom(...KNOWN_TYPES), fc.string({ unit: 'grapheme-ascii', maxLength: 60 })),
  body: fc.oneof(
    fc.string({ unit: 'binary', maxLength: 500 }),
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null'),
  ),
});

describe('random and malformed messages on every consumed queue', () => {
  it('are each dead-lettered with a reason, and every consumer keeps flowing', async () => {
    const published: { service: keyof typeof urls; queue: string; messageId: string }[] = [];
    for (const [service, queue] of CONSUMED) {
      for (const { type, body } of fc.sample(brokenMessage, 5)) {
        // The default exchange routes by queue name: straight into the consumer's queue.
        const { messageId } = await publishRaw('', queue, type, body);
        published.push({ service, queue, messageId });
      }
    }

    for (const [service, queue] of CONSUMED) {
      const ours = published.filter((message) => message.queue === queue).map(({ messageId }) => messageId);
      const letters = await eventually(
        () => deadLettersOf(service, queue),
        (current) => ours.every((id) => current.some((letter) => letter.messageId === id)),
        { timeoutMs: 60_000, what: `the broken messages on ${queue} to be dead-lettered` },
      );
      for (const letter of letters.filter(({ messageId }) => ours.includes(messageId ?? ''))) {
        expect(letter).toMatchObject({ reason: expect.stringMatching(/\S/), consumer: service, failedOn: { queue } });
        expect(letter.reason).not.toBe('unknown');
      }
    }

    // Every consumer took its poison and went on: an order still runs through all of them.
    const [mug, customer] = [unique('mug'), unique('customer')];
    await putProduct(mug, 500, 3);
    await putAccount(customer, 10_000);
    const order = await terminalOrder((await placeOrder(customer, [{ sku: mug, quantity: 1 }])).body.id);
    expect(order.status).toBe('COMPLETED');
    await expectInvariants({ stock: { [mug]: 3 }, customers: [customer], orders: [order] });
  });
});
