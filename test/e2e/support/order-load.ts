import { randomUUID } from 'node:crypto';
import { readTopics } from './kafka';
import { http, type OrderView, putAccount, putProduct, unique } from './platform';

/**
 * POST /orders as a careful client does when the instance or the broker behind it may die: the same
 * Idempotency-Key on every try, so an order whose answer was lost is not placed twice.
 */
export async function placeOrderSurely(orderUrl: string, customerId: string, items: { sku: string; quantity: number }[]): Promise<string> {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    let placed: Awaited<ReturnType<typeof http<OrderView>>> | undefined;
    try {
      placed = await http<OrderView>('POST', `${orderUrl}/orders`, { customerId, items }, { 'Idempotency-Key': key });
    } catch (error) {
      // The connection broke, before the answer or in its middle: the same key makes the retry safe.
      if (attempt === 20) throw error;
    }
    if (placed?.status === 202 || placed?.status === 200) return placed.body.id;
    // A 4xx will not change by asking again; a 5xx may, up to the last attempt.
    if (placed && (placed.status < 500 || attempt === 20)) throw new Error(`POST /orders answered ${placed.status}: ${JSON.stringify(placed.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
}

/** A product with plenty of stock, two customers with plenty of credit, and one with credit for a single pen. */
export interface LoadScenario {
  readonly sku: string;
  readonly rich: readonly string[];
  readonly poor: string;
  readonly stock: number;
}

export async function newLoadScenario(prefix: string): Promise<LoadScenario> {
  const scenario = { sku: unique(`${prefix}-pen`), rich: [unique('customer'), unique('customer')], poor: unique('customer'), stock: 10_000 };
  await putProduct(scenario.sku, 250, scenario.stock);
  for (const customer of scenario.rich) await putAccount(customer, 100_000_000);
  await putAccount(scenario.poor, 300); // credit for one pen: after that, payment declines their orders and the saga compensates
  return scenario;
}

export const customersOf = (scenario: LoadScenario) => [...scenario.rich, scenario.poor];

/** The `index`th order of a load: two in three affordable, the rest over the poor customer's credit. */
function nthOrder(scenario: LoadScenario, index: number) {
  const customerId = index % 3 === 2 ? scenario.poor : scenario.rich[index % scenario.rich.length];
  return { customerId, items: [{ sku: scenario.sku, quantity: 1 + (index % 2) }] };
}

/** `count` orders at about `perSecond`. */
export async function placeOrders(orderUrl: string, scenario: LoadScenario, count: number, perSecond: number): Promise<string[]> {
  const placing: Promise<string>[] = [];
  for (let index = 0; index < count; index++) {
    const { customerId, items } = nthOrder(scenario, index);
    placing.push(placeOrderSurely(orderUrl, customerId, items));
    await new Promise((resolve) => setTimeout(resolve, 1_000 / perSecond));
  }
  return Promise.all(placing);
}

/** Orders placed at a steady rate until stopped, each with the time it was sent. */
export class SteadyOrders {
  private readonly placed: { id: string; sentAt: number }[] = [];
  private readonly placing: Promise<void>[] = [];
  private readonly failures: unknown[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(orderUrl: string, scenario: LoadScenario, perSecond: number) {
    this.loop = (async () => {
      for (let index = 0; this.running; index++) {
        const { customerId, items } = nthOrder(scenario, index);
        const sentAt = Date.now();
        // A failure is kept for stop() to throw, not left as an unhandled rejection meanwhile.
        this.placing.push(
          placeOrderSurely(orderUrl, customerId, items).then(
            (id) => void this.placed.push({ id, sentAt }),
            (error: unknown) => void this.failures.push(error),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000 / perSecond));
      }
    })();
  }

  /** The orders sent at or after `from` (and before `to`) whose POST has been answered so far. */
  sentSince(from: number, to = Infinity): string[] {
    return this.placed.filter(({ sentAt }) => sentAt >= from && sentAt < to).map(({ id }) => id);
  }

  /** Stops sending, waits for every answer, and returns every order placed; throws if a POST failed for good. */
  async stop(): Promise<{ id: string; sentAt: number }[]> {
    this.running = false;
    await this.loop;
    await Promise.all(this.placing);
    if (this.failures.length > 0) throw this.failures[0];
    return [...this.placed];
  }
}

/** The orders', payments' and inventory events of these orders, from the Kafka log. */
export function eventsOf(orderIds: readonly string[]) {
  const mine = new Set(orderIds);
  return readTopics(['orders', 'payments', 'inventory'], (record) => mine.has(record.key));
}

/** Message ids that appear more than once among these records. */
export function repeatedMessageIds(logged: Awaited<ReturnType<typeof eventsOf>>): string[] {
  const perMessage = new Map<string, number>();
  for (const record of logged) perMessage.set(record.headers['message-id'], (perMessage.get(record.headers['message-id']) ?? 0) + 1);
  return [...perMessage].filter(([, count]) => count > 1).map(([id]) => id);
}

/**
 * An order's events in the `orders` topic, which is keyed by order: placed first, and its outcome
 * last, matching what the order service reports. Relays publishing at once, or a broker failing
 * over, must not reorder them.
 */
export function expectEachOrderInSagaOrder(orders: readonly OrderView[], logged: Awaited<ReturnType<typeof eventsOf>>): void {
  const outOfOrder: string[] = [];
  for (const order of orders) {
    const types = logged.filter((record) => record.topic === 'orders' && record.key === order.id).map((record) => record.type);
    const outcome = order.status === 'COMPLETED' ? 'order.completed' : 'order.cancelled';
    const distinct = types.filter((type, index) => types.indexOf(type) === index);
    if (distinct[0] !== 'order.placed' || distinct.at(-1) !== outcome) outOfOrder.push(`${order.id}: ${types.join(' → ')}`);
  }
  expect(outOfOrder).toEqual([]);
}
