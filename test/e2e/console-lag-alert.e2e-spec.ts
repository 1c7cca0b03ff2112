import { randomUUID } from 'node:crypto';
import { KafkaTopics } from '@platform/messaging';
import { attributesOf, browserPerSuite, screenshot } from './support/browser';
import { platformHeaders, produce } from './support/kafka';
import { http, urls } from './support/platform';

describe('the console in a browser: consumer lag', () => {
  const browser = browserPerSuite();
  afterAll(async () => {
    await http('POST', `${urls.points}/admin/kafka/consumer/resume`);
  });

  it('shows the lag alert while the points group is paused past its threshold, and clears it once the group catches up', async () => {
    const { page, errors } = browser;
    const { threshold } = (await http<{ threshold: number }>('GET', `${urls.points}/admin/kafka/lag`)).body;
    await page.goto(`${urls.console}/`);
    await page.waitForSelector('[data-testid="connection"][data-state="live"]', { timeout: 10_000 });
    expect(await page.locator('[data-testid="lag-alert"]').count()).toBe(0);

    expect((await http('POST', `${urls.points}/admin/kafka/consumer/pause`)).status).toBe(200);
    // Events points has no handler for: reading them is all the catching up there is to do.
    await produce(
      KafkaTopics.orders,
      Array.from({ length: threshold + 500 }, () => {
        const orderId = randomUUID();
        return { key: orderId, value: JSON.stringify({ orderId }), headers: platformHeaders('order.lag-probe', orderId) };
      }),
    );

    await page.waitForSelector('[data-testid="lag-alert"]', { timeout: 60_000 });
    const alertingRows = page.locator('[data-testid="lag-row"][data-alerting="true"]');
    const [groups, topics] = await Promise.all([attributesOf(alertingRows, 'data-group'), attributesOf(alertingRows, 'data-topic')]);
    const alerting = groups.map((group, index) => `${group} ${topics[index]}`);
    expect(alerting.length).toBeGreaterThan(0);
    expect(new Set(alerting)).toEqual(new Set([`points ${KafkaTopics.orders}`]));
    await screenshot(page, 'console-lag-alert');

    expect((await http('POST', `${urls.points}/admin/kafka/consumer/resume`)).status).toBe(200);
    await page.waitForSelector('[data-testid="lag-alert"]', { state: 'detached', timeout: 120_000 });

    expect(errors).toEqual([]);
  });
});
