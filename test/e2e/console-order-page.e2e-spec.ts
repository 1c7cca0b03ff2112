import { attributesOf, browserPerSuite, screenshot } from './support/browser';
import { COMPLETED_SAGA_STEPS, eventually, http, placeOrder, putAccount, putProduct, terminalOrder, unique, urls } from './support/platform';

const FIVE_SERVICES = ['inventory', 'notification', 'order', 'payment', 'points'];

describe('the console in a browser: one order', () => {
  const browser = browserPerSuite();

  it("shows an order's saga timeline and its trace across all five services, live as the order runs", async () => {
    const { page, errors } = browser;
    const sku = unique('kettle');
    const customer = unique('customer');
    await putProduct(sku, 3_999, 10);
    await putAccount(customer, 100_000);
    const completedBefore = (await http<{ orders: { completedTotal: number } }>('GET', `${urls.console}/api/overview`)).body.orders.completedTotal;
    const placed = await placeOrder(customer, [{ sku, quantity: 2 }]);
    expect(placed.status).toBe(202);

    // Opened at once: the page follows the order while its saga runs.
    await page.goto(`${urls.console}/orders/${placed.body.id}`);
    await page.waitForSelector('[data-testid="order-status"][data-status="COMPLETED"]', { timeout: 30_000 });
    await eventually(
      () => attributesOf(page.locator('[data-testid="trace-span"]'), 'data-service'),
      (services) => FIVE_SERVICES.every((service) => services.includes(service)),
      { timeoutMs: 30_000, intervalMs: 250, what: "spans of all five services in the page's waterfall" },
    );
    expect((await terminalOrder(placed.body.id)).status).toBe('COMPLETED');

    const entries = page.locator('[data-testid="timeline-entry"]');
    const [steps, events] = await Promise.all([attributesOf(entries, 'data-step'), attributesOf(entries, 'data-event')]);
    const timeline = steps.map((step, index) => `${step}: ${events[index]}`);
    expect(timeline).toEqual(COMPLETED_SAGA_STEPS);
    expect(await page.textContent('[data-testid="trace-id"]')).toMatch(/[0-9a-f]{32}/);
    // The waterfall names the broker each message crossed: both carry this order.
    const brokers = await attributesOf(page.locator('[data-testid="trace-span"][data-broker]'), 'data-broker');
    expect(new Set(brokers)).toEqual(new Set(['rabbitmq', 'kafka']));
    // The relay's publishes, linked rather than nested, are marked so.
    expect(await page.locator('[data-testid="trace-span"][data-linked="true"]').count()).toBeGreaterThan(0);
    await screenshot(page, 'console-order');

    // The overview counts it among the orders completed.
    await page.goto(`${urls.console}/`);
    await page.waitForSelector('[data-testid="connection"][data-state="live"]', { timeout: 10_000 });
    await eventually(
      async () => Number((await page.textContent('[data-testid="rate-completed"] [data-total]'))?.match(/^[\d,]+/)?.[0].replace(/,/g, '') ?? 0),
      (completedTotal) => completedTotal > completedBefore,
      { timeoutMs: 10_000, intervalMs: 250, what: 'the overview to count the order among those completed' },
    );
    for (const service of FIVE_SERVICES) {
      expect(await page.getAttribute(`[data-testid="service-ready-${service}"]`, 'data-ready')).toBe('true');
    }
    for (const dependency of ['postgresql', 'rabbitmq', 'kafka', 'redis']) {
      expect(await page.getAttribute(`[data-testid="dependency-ready-${dependency}"]`, 'data-up')).toBe('true');
    }
    await screenshot(page, 'console-overview');

    expect(errors).toEqual([]);
  });
});
