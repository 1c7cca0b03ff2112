import { randomUUID } from 'node:crypto';
import { type AppSpec, CONSOLE, SERVICES, servicePort } from '../../../tools/stack/stack.config';
import { fewAtATime } from '../../../tools/demo/few-at-a-time';

const urlOf = (name: AppSpec['name']) => `http://127.0.0.1:${servicePort([...SERVICES, CONSOLE].find((service) => service.name === name)!)}`;

/**
 * The services' and the console's base URLs: the ports docs/CONTRACT.md publishes (3000-3005) on
 * `npm start`'s platform, those of the e2e instance (3100-3105) when the suites run their own.
 */
export const urls = {
  order: urlOf('order'),
  inventory: urlOf('inventory'),
  payment: urlOf('payment'),
  notification: urlOf('notification'),
  points: urlOf('points'),
  console: urlOf('console'),
};

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = unknown>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

/** Unique names per test, so tests never share data and can run against a long-lived stack. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function putProduct(sku: string, priceCents: number, stock: number): Promise<void> {
  const result = await http('PUT', `${urls.inventory}/products/${sku}`, { name: sku, priceCents, stock });
  if (result.status !== 200) throw new Error(`PUT product failed: ${result.status} ${JSON.stringify(result.body)}`);
}

export async function putAccount(customerId: string, creditLimitCents: number): Promise<void> {
  const result = await http('PUT', `${urls.payment}/accounts/${customerId}`, { creditLimitCents });
  if (result.status !== 200) throw new Error(`PUT account failed: ${result.status} ${JSON.stringify(result.body)}`);
}

export interface OrderView {
  id: string;
  customerId: string;
  status: string;
  totalCents?: number;
  cancellationReason?: string;
  items: { sku: string; quantity: number; unitPriceCents?: number }[];
  history: { step: string; event: string; at: string }[];
}

export async function placeOrder(
  customerId: string,
  items: { sku: string; quantity: number }[],
  headers: Record<string, string> = {},
): Promise<HttpResult<OrderView>> {
  return http<OrderView>('POST', `${urls.order}/orders`, { customerId, items }, headers);
}

/**
 * Polls until `probe` returns a value `done` accepts, and returns it. Tests wait for an
 * observable outcome this way, never for a fixed time.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 100, what = 'the expected state' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    last = await probe();
  }
  return last;
}

/** The history of a saga that completed, as `step: event`, in order. */
export const COMPLETED_SAGA_STEPS = [
  'reserve-stock: command-sent',
  'reserve-stock: reply-received',
  'charge-payment: command-sent',
  'charge-payment: reply-received',
  'commit-stock: participant-notified',
  'commit-stock: saga-completed',
];

/** How many orders' reads are in flight at once, at most. */
const READS_AT_ONCE = 16;

/** Every order once it is terminal, all within `timeoutMs`; see `terminalOrder`. */
export function terminalOrders(orderIds: readonly string[], timeoutMs = 30_000): Promise<OrderView[]> {
  const deadline = Date.now() + timeoutMs;
  return fewAtATime(orderIds, (id) => terminalOrder(id, Math.max(0, deadline - Date.now())), READS_AT_ONCE);
}

/** Each order as it is now; see `fewAtATime`. */
export const ordersNow = (orderIds: readonly string[]): Promise<OrderView[]> =>
  fewAtATime(orderIds, async (id) => (await http<OrderView>('GET', `${urls.order}/orders/${id}`)).body, READS_AT_ONCE);

export async function terminalOrder(orderId: string, timeoutMs = 30_000): Promise<OrderView> {
  return eventually(
    async () => (await http<OrderView>('GET', `${urls.order}/orders/${orderId}`)).body,
    (order) => order.status === 'COMPLETED' || order.status === 'CANCELLED',
    { timeoutMs, what: `order ${orderId} to reach a terminal status` },
  );
}
