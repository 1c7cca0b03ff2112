import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Exchanges, Queues } from '@platform/messaging';
import { runProcess } from './support/commands';
import { rabbitAttempts } from './support/configuration';
import { messagesConsumedBy } from './support/metrics';
import { eventually, http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';
import { deadLettersOf } from './support/dead-letters';
import { publishRaw } from './support/rabbitmq';

describe('RabbitMQ failures and dead letters', () => {
  it('when a message can never be processed, then it goes straight to the dead-letter queue with the reason, and the queue keeps flowing', async () => {
    const poison = await publishRaw(Exchanges.sagaCommands, 'inventory.reserve-stock', 'inventory.reserve-stock', '{"orderId": "not json');

    const [sku, customer] = [unique('mug'), unique('customer')];
    await putProduct(sku, 500, 3);
    await putAccount(customer, 10_000);
    const behind = await placeOrder(customer, [{ sku, quantity: 1 }]);
    expect((await terminalOrder(behind.body.id)).status).toBe('COMPLETED');

    const deadLetters = await eventually(() => deadLettersOf('inventory', Queues.inventoryCommands), (list) =>
      list.some((letter) => letter.messageId === poison.messageId),
    );
    expect(deadLetters.find((letter) => letter.messageId === poison.messageId)).toMatchObject({
      reason: expect.stringContaining('the body is not JSON'),
      attempts: 1,
      consumer: 'inventory',
      failedOn: { queue: Queues.inventoryCommands },
      heldIn: { queue: `${Queues.inventoryCommands}.dlq` },
    });
  });

  it('when a handler keeps failing, then the message is retried after each delay and then dead-lettered with its attempts, changing nothing', async () => {
    const sku = unique('mug');
    await putProduct(sku, 500, 5);
    // Valid by contract, yet it cannot be applied: the same sku twice breaks the reservation's primary key.
    const failing = await publishRaw(Exchanges.sagaCommands, 'inventory.reserve-stock', 'inventory.reserve-stock', {
      orderId: randomUUID(),
      items: [
        { sku, quantity: 1 },
        { sku, quantity: 1 },
      ],
    });

    const deadLetters = await eventually(
      () => deadLettersOf('inventory', Queues.inventoryCommands),
      (list) => list.some((letter) => letter.messageId === failing.messageId),
      { timeoutMs: 90_000, what: 'the failing message to use up its retries' },
    );
    const letter = deadLetters.find((candidate) => candidate.messageId === failing.messageId)!;
    expect(letter.reason).toMatch(/unique constraint/i);
    expect(letter.attempts).toBe(rabbitAttempts);
    expect((await http('GET', `${urls.inventory}/products/${sku}`)).body).toMatchObject({ available: 5, reserved: 0 });
  });

  it('re-driven dead letters are processed normally, and a second re-drive of the same message changes nothing', async () => {
    const orderId = randomUUID();
    const event = { orderId, customerId: unique('customer'), totalCents: 1234, lines: [{ sku: 'mug', quantity: 1, unitPriceCents: 1234 }] };
    const headers = { 'x-dead-letter-reason': 'simulated: the notification database was gone for good' };
    const first = await publishRaw(Exchanges.deadLetters, Queues.notificationOrderEvents, 'order.completed', event, headers, {
      correlationId: orderId,
    });
    const listed = await deadLettersOf('notification', Queues.notificationOrderEvents);
    expect(listed.find((letter) => letter.messageId === first.messageId)).toMatchObject({
      reason: headers['x-dead-letter-reason'],
      payload: event,
    });

    const cli = await runProcess(process.execPath, [
      path.resolve(__dirname, '../../dist/tools/ops/dead-letters.js'),
      'notification',
      'redrive',
      Queues.notificationOrderEvents,
    ]);
    expect(cli.status).toBe(0);
    expect(JSON.parse(cli.stdout).redriven).toBeGreaterThanOrEqual(1);
    const notifications = () => http<{ template: string }[]>('GET', `${urls.notification}/notifications?orderId=${orderId}`);
    await eventually(async () => (await notifications()).body, (list) => list.length === 1, { what: 'the re-driven event to notify' });

    // A second copy of the same message (same id) dead-lettered and re-driven: the inbox recognises it.
    const duplicates = () => messagesConsumedBy('notification', Queues.notificationOrderEvents, ['duplicate', 'duplicate-cached']);
    const duplicatesBefore = await duplicates();
    await publishRaw(Exchanges.deadLetters, Queues.notificationOrderEvents, 'order.completed', event, headers, {
      messageId: first.messageId,
      correlationId: orderId,
    });
    const again = await http<{ redriven: number; more: boolean }>('POST', `${urls.notification}/admin/dead-letters/${Queues.notificationOrderEvents}/redrive`);
    expect(again.body).toMatchObject({ redriven: expect.any(Number), more: false });
    expect(again.body.redriven).toBeGreaterThanOrEqual(1);
    await eventually(duplicates, (count) => count > duplicatesBefore, {
      what: 'the second copy to be recognised as a duplicate',
    });
    expect((await notifications()).body).toEqual([expect.objectContaining({ template: 'order-completed' })]);
  });

  it('answers 404 for a queue or topic the service does not consume', async () => {
    expect((await http('GET', `${urls.inventory}/admin/dead-letters/${Queues.paymentCommands}`)).status).toBe(404);
    expect((await http('POST', `${urls.inventory}/admin/dead-letters/${Queues.paymentCommands}/redrive`)).status).toBe(404);
    expect((await http('GET', `${urls.inventory}/admin/dead-letters/orders`)).status).toBe(404);
  });
});
