import { isEnded, type OrderTimes } from './database';
import type { HttpOutcome } from './http-client';
import type { Timed } from './load';
import { percentiles } from './percentiles';

/** What the POSTs of a step got back. Latency runs from when a request was due, so a late send counts against it. */
export interface RequestSummary {
  readonly sent: number;
  readonly accepted: number;
  /** Answers other than 202, by status. */
  readonly refusedByStatus: Record<string, number>;
  /** Requests that got no answer, by error code. */
  readonly networkErrors: Record<string, number>;
  readonly postLatencyMs: { readonly p50: number; readonly p99: number };
  /**
   * The same, split by the connection each request went over. A request that opens a connection
   * waits first for the server to accept it: a Node.js server (libuv 1.45 and later) accepts one
   * connection per turn of its event loop, so when a busy one turns a few times a second, a crowd
   * of new clients queues.
   */
  readonly postLatencyByConnectionMs: { readonly new: ConnectionLatency; readonly keptAlive: ConnectionLatency };
  /** How late the benchmark itself sent requests: large values mean the load generator could not keep up. */
  readonly sendDelayMsP99: number;
}

/** The latency of the requests that went over one kind of connection; p50 and p99 are NaN when there were none. */
export interface ConnectionLatency {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
}

export interface OrderSummary {
  /** Reached COMPLETED or CANCELLED. */
  readonly ended: number;
  readonly completed: number;
  readonly cancelledByReason: Record<string, number>;
  /** Accepted but not ended when the step stopped waiting. */
  readonly pending: number;
  /** Orders that ended per second, from the step's start to the last end (or to the end of waiting). */
  readonly endedPerSec: number;
  /** created_at to updated_at of each ended order, from its own row. */
  readonly endToEndMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
}

export function summariseRequests(requests: readonly Timed<HttpOutcome>[]): RequestSummary {
  const refusedByStatus: Record<string, number> = {};
  const networkErrors: Record<string, number> = {};
  let accepted = 0;
  for (const { result } of requests) {
    if (result.kind === 'network-error') networkErrors[result.code] = (networkErrors[result.code] ?? 0) + 1;
    else if (result.status === 202) accepted += 1;
    else refusedByStatus[result.status] = (refusedByStatus[result.status] ?? 0) + 1;
  }
  const latencyOf = (of: readonly Timed<HttpOutcome>[]) =>
    percentiles(
      of.map((request) => request.answeredAt - request.dueAt),
      [50, 99],
    );
  const latency = latencyOf(requests);
  const overConnection = (isNew: boolean): ConnectionLatency => {
    const over = requests.filter(({ result }) => result.newConnection === isNew);
    return { requests: over.length, ...latencyOf(over) };
  };
  return {
    sent: requests.length,
    accepted,
    refusedByStatus,
    networkErrors,
    postLatencyMs: { p50: latency.p50, p99: latency.p99 },
    postLatencyByConnectionMs: { new: overConnection(true), keptAlive: overConnection(false) },
    sendDelayMsP99: percentiles(
      requests.map((request) => request.sentAt - request.dueAt),
      [99],
    ).p99,
  };
}

/** The id of the order a 202 answer accepted. */
export function acceptedOrderId(outcome: HttpOutcome): string | undefined {
  if (outcome.kind !== 'answer' || outcome.status !== 202) return undefined;
  const { id } = JSON.parse(outcome.body) as { id?: unknown };
  if (typeof id !== 'string') throw new Error(`202 without an order id: ${outcome.body}`);
  return id;
}

/**
 * @param accepted how many orders the step had accepted (an order missing from the database counts as pending)
 * @param startedAt epoch ms when the step began sending
 * @param stoppedWaitingAt epoch ms when the step stopped waiting for orders to end
 */
export function summariseOrders(orders: readonly OrderTimes[], accepted: number, startedAt: number, stoppedWaitingAt: number): OrderSummary {
  const ended = orders.filter(isEnded);
  const cancelledByReason: Record<string, number> = {};
  for (const order of ended) {
    if (order.status !== 'CANCELLED') continue;
    const reason = order.cancellationReason ?? 'UNKNOWN';
    cancelledByReason[reason] = (cancelledByReason[reason] ?? 0) + 1;
  }
  const pending = accepted - ended.length;
  const lastEnd = pending > 0 || ended.length === 0 ? stoppedWaitingAt : ended.reduce((latest, order) => Math.max(latest, order.updatedAt), 0);
  const endToEnd = percentiles(
    ended.map((order) => order.updatedAt - order.createdAt),
    [50, 90, 99, 100],
  );
  return {
    ended: ended.length,
    completed: ended.filter((order) => order.status === 'COMPLETED').length,
    cancelledByReason,
    pending,
    endedPerSec: ended.length / Math.max(0.001, (lastEnd - startedAt) / 1000),
    endToEndMs: { p50: endToEnd.p50, p90: endToEnd.p90, p99: endToEnd.p99, max: endToEnd.p100 },
  };
}
