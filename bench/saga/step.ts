import type { PlaceOrderBody } from './catalogue';
import type { OrderDatabase } from './database';
import type { HopTimes, SagaHops } from './hops';
import { HttpClient, type HttpOutcome } from './http-client';
import { openLoopSchedule, runBurst, runOpenLoop, type Timed } from './load';
import type { CpuSeconds, Meter, Window } from './measurement';
import { acceptedOrderId, type OrderSummary, type RequestSummary, summariseOrders, summariseRequests } from './outcomes';

export type StepPlan =
  | { readonly kind: 'rate'; readonly ratePerSec: number; readonly seconds: number; readonly connections: number }
  | { readonly kind: 'burst'; readonly orders: number; readonly connections: number };

/** What a step needs from the run around it. */
export interface StepRig {
  readonly orderUrl: string;
  readonly nextOrder: () => PlaceOrderBody;
  readonly orders: OrderDatabase;
  readonly hops: SagaHops;
  readonly meter: Meter;
  readonly drainTimeoutSeconds: number;
  readonly settleSeconds: number;
  readonly log: (line: string) => void;
}

export interface StepResult {
  readonly step: string;
  /** Orders per second offered; null for the burst, which offers as many as it can get in. */
  readonly offeredPerSec: number | null;
  readonly connections: number;
  /** From the first send to the last answer. */
  readonly sendSeconds: number;
  readonly requests: RequestSummary;
  readonly orders: OrderSummary;
  /** True when some accepted orders had not ended after drainTimeoutSeconds. */
  readonly drainTimedOut: boolean;
  /** The measured window: from the first send until the orders ended and the platform settled. */
  readonly window: Window;
  /** CPU milliseconds per ended order (COMPLETED or CANCELLED). */
  readonly cpuMsPerOrder: Record<keyof CpuSeconds, number | null>;
  /** Database transactions per ended order, per service database and in all. */
  readonly transactionsPerOrder: Record<string, number | null>;
  /** p50 and p90 of each hop of the completed orders' sagas; null when none completed. */
  readonly hopsMs: HopTimes | null;
  /** With --compare-tracing: the share of new traces the services recorded during the step. */
  readonly sampleRatio?: number;
}

const POLL_MS = 500;
const LATE_SEND_WARNING_MS = 100;
const PROGRESS_EVERY_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * One step: offer the load, wait until every accepted order has ended (or the drain timeout), let
 * the work that follows an order's end settle, and only then read the counters again.
 */
export async function runStep(plan: StepPlan, rig: StepRig): Promise<StepResult> {
  const name = plan.kind === 'rate' ? `${plan.ratePerSec}/s` : `burst of ${plan.orders}`;
  rig.log(`${name}: sending`);
  const before = await rig.meter.read();
  const startedAt = Date.now();
  const requests = await offer(plan, rig);
  const lastAnswerAt = Date.now();
  const accepted = requests.flatMap(({ result }) => acceptedOrderId(result) ?? []);
  rig.log(`${name}: ${requests.length} sent, ${accepted.length} accepted in ${((lastAnswerAt - startedAt) / 1000).toFixed(1)} s; waiting for them to end`);

  const waiting = await waitUntilEnded(accepted, rig, name);
  await sleep(lastAnswerAt + rig.settleSeconds * 1000 - Date.now());
  const after = await rig.meter.read();
  const window = rig.meter.between(before, after);

  const requestSummary = summariseRequests(requests);
  if (requestSummary.sendDelayMsP99 > LATE_SEND_WARNING_MS) {
    rig.log(`${name}: the benchmark itself sent late (p99 ${Math.round(requestSummary.sendDelayMsP99)} ms): it could not keep up with the rate`);
  }
  const orders = summariseOrders(await rig.orders.times(accepted), accepted.length, startedAt, waiting.stoppedAt);
  const perOrder = (value: number) => (orders.ended > 0 ? value / orders.ended : null);
  const allTransactions = Object.values(window.transactions).reduce((sum, count) => sum + count, 0);
  return {
    step: name,
    offeredPerSec: plan.kind === 'rate' ? plan.ratePerSec : null,
    connections: plan.connections,
    sendSeconds: (lastAnswerAt - startedAt) / 1000,
    requests: requestSummary,
    orders,
    drainTimedOut: waiting.timedOut,
    window,
    cpuMsPerOrder: Object.fromEntries(Object.entries(window.cpuSeconds).map(([group, seconds]) => [group, perOrder(seconds * 1000)])) as StepResult['cpuMsPerOrder'],
    transactionsPerOrder: {
      ...Object.fromEntries(Object.entries(window.transactions).map(([database, count]) => [database, perOrder(count)])),
      all: perOrder(allTransactions),
    },
    // Read after the window closed: these reads are not counted in it.
    hopsMs: await rig.hops.of(accepted),
  };
}

async function offer(plan: StepPlan, rig: StepRig): Promise<Timed<HttpOutcome>[]> {
  const client = new HttpClient(plan.connections);
  const placeOrder = () => client.send('POST', `${rig.orderUrl}/orders`, rig.nextOrder());
  try {
    return plan.kind === 'rate'
      ? await runOpenLoop(openLoopSchedule(plan.ratePerSec, plan.seconds), placeOrder)
      : await runBurst(plan.orders, plan.connections, placeOrder);
  } finally {
    client.close();
  }
}

async function waitUntilEnded(orderIds: readonly string[], rig: StepRig, name: string): Promise<{ stoppedAt: number; timedOut: boolean }> {
  const deadline = Date.now() + rig.drainTimeoutSeconds * 1000;
  let nextProgress = Date.now() + PROGRESS_EVERY_MS;
  let waitingFor = await rig.orders.notEnded(orderIds);
  while (waitingFor.length > 0 && Date.now() < deadline) {
    await sleep(POLL_MS);
    waitingFor = await rig.orders.notEnded(waitingFor);
    if (Date.now() >= nextProgress) {
      rig.log(`${name}: ${orderIds.length - waitingFor.length} of ${orderIds.length} ended`);
      nextProgress += PROGRESS_EVERY_MS;
    }
  }
  if (waitingFor.length > 0) rig.log(`${name}: ${waitingFor.length} orders still not ended after ${rig.drainTimeoutSeconds} s; measuring anyway`);
  return { stoppedAt: Date.now(), timedOut: waitingFor.length > 0 };
}
