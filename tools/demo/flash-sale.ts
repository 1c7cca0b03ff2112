/**
 * `npm run demo:flash-sale`: traffic smoothing, made visible. A burst of orders hits the order
 * service far faster than the saga can finish them; every one is accepted at once (202: the order
 * and its first command are one database transaction), and the backlog drains behind it at the
 * rate the saga sustains. Watch it on the console (http://127.0.0.1:3005/), then see the contract's
 * invariants checked for every product and customer the demo created.
 *
 *   npm run demo:flash-sale -- --orders 3000 --connections 64 --timeout-s 300
 *
 * It runs against the platform `npm start` runs and starts nothing. The load, the catalogue and the
 * HTTP client are the saga benchmark's (bench/saga); the invariants' arithmetic is the end-to-end
 * suites' (tools/contract/invariants.ts).
 */
import { benchCatalogue, type Catalogue, FULL_SHELVES, orderGenerator, type Shelves, stockCatalogue } from '../../bench/saga/catalogue';
import { OrderDatabase } from '../../bench/saga/database';
import { HttpClient } from '../../bench/saga/http-client';
import { runBurst } from '../../bench/saga/load';
import { acceptedOrderId, summariseRequests } from '../../bench/saga/outcomes';
import { assertPlatformReady, platformServices, serviceNamed, type ServiceName } from '../../bench/saga/platform';
import { committedUnits, earnedPoints, isTerminal, type OrderOutcome, owedCents } from '../contract/invariants';
import { fewAtATime } from './few-at-a-time';

interface DemoSettings {
  readonly orders: number;
  readonly connections: number;
  /** How long after the burst every accepted order has to become terminal. */
  readonly timeoutSeconds: number;
}

class UsageError extends Error {}

const FLAGS = { '--orders': 'orders', '--connections': 'connections', '--timeout-s': 'timeoutSeconds' } as const;
const DEFAULTS: DemoSettings = { orders: 3000, connections: 64, timeoutSeconds: 300 };

/** `--orders 3000` or `--orders=3000`. */
function readArguments(argv: readonly string[]): DemoSettings {
  const settings: Record<keyof DemoSettings, number> = { ...DEFAULTS };
  for (let index = 0; index < argv.length; index += 1) {
    const [flag, inline] = argv[index].split(/=(.*)/s, 2);
    const key = FLAGS[flag as keyof typeof FLAGS];
    if (!key) throw new UsageError(`unknown argument ${argv[index]}; known: ${Object.keys(FLAGS).join(', ')} (each followed by a whole number)`);
    const text = inline ?? argv[++index];
    const value = Number(text);
    if (text === undefined || !Number.isInteger(value) || value < 1) throw new UsageError(`${flag} needs a whole number >= 1, was ${text ?? 'nothing'}`);
    settings[key] = value;
  }
  return settings;
}

// Many products and customers, so orders do not queue on one row lock (see bench/saga/catalogue.ts).
const PRODUCTS = 50;
const CUSTOMERS = 200;
/**
 * Full shelves and deep pockets, except two, so that some orders take the saga's other paths: the
 * first product has a few units only (later orders for it are cancelled OUT_OF_STOCK), and the first
 * customer has no credit (their orders are cancelled PAYMENT_DECLINED, and the reservation released).
 */
const SCARCE_STOCK = 20;
const DEMO_SHELVES: Shelves = {
  stockOf: (index) => (index === 0 ? SCARCE_STOCK : FULL_SHELVES.stockOf(index)),
  creditLimitOf: (index) => (index === 0 ? 0 : FULL_SHELVES.creditLimitOf(index)),
};

const PROGRESS_EVERY_MS = 2000;
/** After every order is terminal, how long the asynchronous tail (reservations committed, points) may take. */
const SETTLE_SECONDS = 60;
const READ_CONNECTIONS = 16;

const log = (line: string) => void process.stdout.write(`[flash-sale] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function consoleUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONSOLE_URL ?? `http://127.0.0.1:${env.CONSOLE_PORT ?? 3005}/`;
}

async function main(): Promise<void> {
  const settings = readArguments(process.argv.slice(2));
  const apiKey = process.env.API_KEY || undefined;
  const services = platformServices();
  const service = (name: ServiceName) => serviceNamed(services, name);
  const reader = new HttpClient(READ_CONNECTIONS);
  try {
    await assertPlatformReady(reader, services);

    // Names of this run's own, so the invariants are about exactly what this run ordered.
    const catalogue = benchCatalogue(PRODUCTS, CUSTOMERS, `flash-${Date.now().toString(36)}`);
    log(`stocking ${PRODUCTS} products and ${CUSTOMERS} customers (${catalogue.skus[0]} has only ${SCARCE_STOCK} units; ${catalogue.customerIds[0]} has no credit)`);
    await stockCatalogue(reader, { inventory: service('inventory').url, payment: service('payment').url }, catalogue, apiKey, DEMO_SHELVES);
    log(`open the console now to watch: ${consoleUrl()}`);

    const accepted = await burst(settings, service('order').url, catalogue);
    if (accepted.length === 0) throw new Error('no order was accepted; is the order service refusing (see the statuses above)?');
    explain(accepted[0]);

    const orders = await OrderDatabase.connect(service('order').databaseUrl);
    let notTerminal: string[];
    try {
      notTerminal = await waitUntilTerminal(accepted, orders, settings.timeoutSeconds);
    } finally {
      await orders.close();
    }

    const outcomes = await readOrders(reader, service('order').url, accepted);
    const checks = await checkInvariants(reader, { inventory: service('inventory').url, payment: service('payment').url, points: service('points').url }, catalogue, outcomes, notTerminal);
    printOutcomes(outcomes);
    for (const check of checks) {
      log(`${check.failures.length === 0 ? 'PASS' : 'FAIL'}  ${check.name}${check.failures.length === 0 ? '' : `: ${check.failures.length} wrong, e.g. ${check.failures.slice(0, 3).join('; ')}`}`);
    }
    if (checks.some((check) => check.failures.length > 0)) process.exitCode = 1;
  } finally {
    reader.close();
  }
}

/** Sends the orders as fast as the connections allow; returns the ids of those accepted. */
async function burst(settings: DemoSettings, orderUrl: string, catalogue: Catalogue): Promise<string[]> {
  const nextOrder = orderGenerator(catalogue);
  const client = new HttpClient(settings.connections);
  log(`sending ${settings.orders} orders through ${settings.connections} connections, as fast as they are answered`);
  const startedAt = performance.now();
  try {
    const requests = await runBurst(settings.orders, settings.connections, () => client.send('POST', `${orderUrl}/orders`, nextOrder()));
    const tookMs = performance.now() - startedAt;
    const summary = summariseRequests(requests);
    log(
      `${summary.accepted} of ${summary.sent} accepted (202) at once, in ${seconds(tookMs)} ` +
        `(${Math.round(summary.sent / (tookMs / 1000))} orders/s; POST p50 ${Math.round(summary.postLatencyMs.p50)} ms, p99 ${Math.round(summary.postLatencyMs.p99)} ms)`,
    );
    if (Object.keys(summary.refusedByStatus).length > 0) log(`refused, by status: ${JSON.stringify(summary.refusedByStatus)}`);
    if (Object.keys(summary.networkErrors).length > 0) log(`no answer, by error: ${JSON.stringify(summary.networkErrors)}`);
    return requests.flatMap(({ result }) => acceptedOrderId(result) ?? []);
  } finally {
    client.close();
  }
}

function explain(someOrderId: string): void {
  const url = consoleUrl();
  log(`watch it on the console: ${url}`);
  log('  - placed/s: one tall spike; every order above was accepted at once, long before its saga ends');
  log('  - sagas running: jumps to the burst, then drains in a straight slope: completed/s stays at the rate the saga sustains');
  log('  - outbox backlog and consumer lag: rise with the burst and fall back to zero; dead letters stay at 0');
  log(`  - one order's saga and trace across the five services: ${new URL(`/orders/${someOrderId}`, url).toString()}`);
  log('  - every order ends COMPLETED or CANCELLED, and the invariants are checked below once they have');
}

/** Polls the order database until every accepted order is terminal or the timeout; returns those that are not. */
async function waitUntilTerminal(orderIds: readonly string[], orders: OrderDatabase, timeoutSeconds: number): Promise<string[]> {
  const startedAt = Date.now();
  const deadline = startedAt + timeoutSeconds * 1000;
  let waitingFor = await orders.notEnded(orderIds);
  const runningAfterBurst = waitingFor.length;
  log(`the burst is over: ${orderIds.length - runningAfterBurst} of ${orderIds.length} already terminal, ${runningAfterBurst} sagas still running`);
  let previous = { at: startedAt, terminal: orderIds.length - waitingFor.length };
  while (waitingFor.length > 0 && Date.now() < deadline) {
    await sleep(PROGRESS_EVERY_MS);
    waitingFor = await orders.notEnded(waitingFor);
    const now = Date.now();
    const terminal = orderIds.length - waitingFor.length;
    const rate = (terminal - previous.terminal) / ((now - previous.at) / 1000);
    log(`${seconds(now - startedAt)}: ${terminal} of ${orderIds.length} terminal, ${waitingFor.length} running, ${Math.round(rate)} orders/s`);
    previous = { at: now, terminal };
  }
  const tookMs = Date.now() - startedAt;
  if (waitingFor.length === 0) {
    log(`every accepted order is terminal, ${seconds(tookMs)} after the burst (the backlog drained at ${Math.round(runningAfterBurst / (tookMs / 1000))} orders/s)`);
  }
  else log(`${waitingFor.length} orders still not terminal after ${timeoutSeconds} s`);
  return waitingFor;
}

interface Order extends OrderOutcome {
  readonly id: string;
  readonly cancellationReason?: string;
}

async function getJson<T>(client: HttpClient, url: string): Promise<T> {
  const outcome = await client.send('GET', url);
  if (outcome.kind !== 'answer') throw new Error(`GET ${url}: no answer (${outcome.code})`);
  if (outcome.status !== 200) throw new Error(`GET ${url}: ${outcome.status} ${outcome.body}`);
  return JSON.parse(outcome.body) as T;
}

/** `read` for every item, READ_CONNECTIONS at a time, results in the items' order. */
const readEach = <I, T>(items: readonly I[], read: (item: I) => Promise<T>): Promise<T[]> => fewAtATime(items, read, READ_CONNECTIONS);

const readOrders = (client: HttpClient, orderUrl: string, orderIds: readonly string[]) =>
  readEach(orderIds, (id) => getJson<Order>(client, `${orderUrl}/orders/${id}`));

function printOutcomes(orders: readonly Order[]): void {
  const byOutcome = new Map<string, number>();
  for (const order of orders) {
    const outcome = order.status === 'CANCELLED' ? `CANCELLED ${order.cancellationReason ?? '(no reason)'}` : order.status;
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
  }
  log(`outcomes: ${[...byOutcome].map(([outcome, count]) => `${count} ${outcome}`).join(', ')}`);
}

interface Check {
  readonly name: string;
  readonly failures: string[];
}

/**
 * docs/CONTRACT.md's invariants for this run's products and customers. Reservations are committed
 * and points earned after an order ends, so a failing check is read again every 2 s for up to
 * SETTLE_SECONDS before it counts (when every order has ended; otherwise it is read once).
 */
async function checkInvariants(
  client: HttpClient,
  urls: { inventory: string; payment: string; points: string },
  catalogue: Catalogue,
  orders: readonly Order[],
  notTerminal: readonly string[],
): Promise<Check[]> {
  const unfinished = [...notTerminal, ...orders.filter((order) => !isTerminal(order)).map((order) => order.id)];
  const terminalCheck: Check = { name: 'every accepted order is COMPLETED or CANCELLED', failures: [...new Set(unfinished)].map((id) => `${id} not terminal`) };

  const ordersOf = new Map<string, Order[]>(catalogue.customerIds.map((customerId) => [customerId, []]));
  for (const order of orders) ordersOf.get(order.customerId)?.push(order);

  const readChecks = async (): Promise<Check[]> => {
    const stock = await readEach(catalogue.skus, async (sku) => {
      const product = await getJson<{ available: number; reserved: number }>(client, `${urls.inventory}/products/${sku}`);
      const initial = DEMO_SHELVES.stockOf(catalogue.skus.indexOf(sku));
      const committed = committedUnits(orders, sku);
      const sum = product.available + product.reserved + committed;
      return sum === initial ? null : `${sku}: stock ${initial} but available ${product.available} + reserved ${product.reserved} + committed ${committed} = ${sum}`;
    });
    const customers = await readEach(catalogue.customerIds, async (customerId) => {
      const theirs = ordersOf.get(customerId) ?? [];
      const account = await getJson<{ creditLimitCents: number; availableCents: number }>(client, `${urls.payment}/accounts/${customerId}`);
      const points = await getJson<{ balance: number }>(client, `${urls.points}/points/${customerId}`);
      const charged = account.creditLimitCents - account.availableCents;
      return {
        charged: charged === owedCents(theirs) ? null : `${customerId}: charged ${charged} cents, COMPLETED orders total ${owedCents(theirs)}`,
        points: points.balance === earnedPoints(theirs) ? null : `${customerId}: ${points.balance} points, expected ${earnedPoints(theirs)}`,
      };
    });
    const failures = <T>(values: readonly (T | null)[]) => values.filter((value): value is T => value !== null);
    return [
      { name: 'per product: stock = available + reserved + committed by COMPLETED orders', failures: failures(stock) },
      { name: 'per customer: charged (credit limit - available) = sum of totals of COMPLETED orders', failures: failures(customers.map((customer) => customer.charged)) },
      { name: 'per customer: points = sum of floor(total / 100) over COMPLETED orders', failures: failures(customers.map((customer) => customer.points)) },
    ];
  };

  // With orders still running the figures cannot add up yet: read them once, without waiting.
  const deadline = unfinished.length === 0 ? Date.now() + SETTLE_SECONDS * 1000 : 0;
  let checks = await readChecks();
  while (checks.some((check) => check.failures.length > 0) && Date.now() < deadline) {
    log(`waiting for the services to settle: ${checks.map((check) => check.failures.length).reduce((sum, count) => sum + count, 0)} figures not there yet`);
    await sleep(PROGRESS_EVERY_MS);
    checks = await readChecks();
  }
  return [terminalCheck, ...checks];
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(`[flash-sale] ${error.message}\n`);
  else process.stderr.write(`[flash-sale] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
