import { randomUUID } from 'node:crypto';
import { Exchanges, Queues } from '@platform/messaging';
import type { Page } from 'playwright-core';
import { browserPerSuite, screenshot } from './support/browser';
import { eventually, http, unique, urls } from './support/platform';
import { publishRaw } from './support/rabbitmq';

const deadLettersTotal = (page: Page) => page.getAttribute('[data-testid="dead-letters-total"]', 'data-value').then(Number);

describe('the console in a browser: dead letters', () => {
  const browser = browserPerSuite();

  it('shows a new dead letter on the overview, re-drives it from the dead-letters page, and the message is processed', async () => {
    const { page, errors } = browser;
    await page.goto(`${urls.console}/`);
    await page.waitForSelector('[data-testid="dead-letters-total"][data-value]', { timeout: 10_000 });
    const before = await deadLettersTotal(page);

    // An order.completed event notification gave up on (as when its database was gone for good),
    // in the queue's dead letters with the reason the consumer would have written.
    const orderId = randomUUID();
    const event = { orderId, customerId: unique('customer'), totalCents: 4_200, lines: [{ sku: 'mug', quantity: 1, unitPriceCents: 4_200 }] };
    const poisoned = await publishRaw(
      Exchanges.deadLetters,
      Queues.notificationOrderEvents,
      'order.completed',
      event,
      { 'x-dead-letter-reason': 'simulated: the notification database was gone for good' },
      { correlationId: orderId },
    );

    // The services count their dead letters every few seconds and the console reads them every two.
    await eventually(
      () => deadLettersTotal(page),
      (total) => total > before,
      { timeoutMs: 30_000, intervalMs: 250, what: 'the overview to count the new dead letter' },
    );
    await screenshot(page, 'console-overview-dead-letter');

    await page.click('[data-testid="dead-letters-total"]');
    await page.waitForURL(`${urls.console}/dead-letters`);
    const store = page.locator(`[data-testid="dead-letter-store"][data-source="${Queues.notificationOrderEvents}"]`);
    await store.locator(`[data-testid="dead-letter-row"][data-message-id="${poisoned.messageId}"]`).waitFor({ timeout: 15_000 });
    await store.locator('[data-testid="redrive-button"]').click();
    const result = store.locator('[data-testid="redrive-result"][data-redriven]');
    await result.waitFor({ timeout: 30_000 });
    expect(Number(await result.getAttribute('data-redriven'))).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'console-dead-letters');

    // Processed: the customer is notified of the order, once.
    const notifications = await eventually(
      async () => (await http<{ template: string }[]>('GET', `${urls.notification}/notifications?orderId=${orderId}`)).body,
      (list) => list.length > 0,
      { what: 'the re-driven event to be processed' },
    );
    expect(notifications).toEqual([expect.objectContaining({ template: 'order-completed' })]);

    expect(errors).toEqual([]);
  });
});
