import type { OrderTimes } from '../../../bench/saga/database';
import type { HttpOutcome } from '../../../bench/saga/http-client';
import type { Timed } from '../../../bench/saga/load';
import { acceptedOrderId, summariseOrders, summariseRequests } from '../../../bench/saga/outcomes';

const request = (result: HttpOutcome, dueAt: number, sentAt: number, answeredAt: number): Timed<HttpOutcome> => ({ dueAt, sentAt, answeredAt, result });
const accepted = (id: string): HttpOutcome => ({ kind: 'answer', status: 202, body: JSON.stringify({ id, status: 'PENDING' }) });

describe('summarising the requests of a step', () => {
  it('counts 202s, other answers by status and failures by code, with latency from when each was due', () => {
    const summary = summariseRequests([
      request(accepted('a'), 0, 0, 10),
      request(accepted('b'), 10, 40, 50),
      request({ kind: 'answer', status: 503, body: '{}' }, 20, 20, 30),
      request({ kind: 'network-error', code: 'ECONNRESET' }, 30, 30, 35),
    ]);
    expect(summary).toMatchObject({ sent: 4, accepted: 2, refusedByStatus: { 503: 1 }, networkErrors: { ECONNRESET: 1 } });
    // Latencies 10, 40, 10, 5: the late send of "b" counts against it.
    expect(summary.postLatencyMs).toEqual({ p50: 10, p99: 40 });
    expect(summary.sendDelayMsP99).toBe(30);
  });

  it('takes the order id from a 202 answer only', () => {
    expect(acceptedOrderId(accepted('7b7c'))).toBe('7b7c');
    expect(acceptedOrderId({ kind: 'answer', status: 400, body: '{}' })).toBeUndefined();
    expect(() => acceptedOrderId({ kind: 'answer', status: 202, body: '{}' })).toThrow('202 without an order id');
  });
});

describe('summarising the orders of a step', () => {
  const order = (id: string, status: string, createdAt: number, updatedAt: number, cancellationReason: string | null = null): OrderTimes => ({
    id,
    status,
    cancellationReason,
    createdAt,
    updatedAt,
  });

  it('when every order ended, then the rate runs from the step start to the last end', () => {
    const summary = summariseOrders(
      [order('a', 'COMPLETED', 1_000, 1_100), order('b', 'CANCELLED', 1_500, 1_800, 'OUT_OF_STOCK'), order('c', 'COMPLETED', 2_000, 3_000)],
      3,
      1_000,
      9_000,
    );
    expect(summary).toMatchObject({ ended: 3, completed: 2, cancelledByReason: { OUT_OF_STOCK: 1 }, pending: 0, endedPerSec: 1.5 });
    expect(summary.endToEndMs).toEqual({ p50: 300, p90: 1_000, p99: 1_000, max: 1_000 });
  });

  it('when some never ended or are missing, then they are pending and the rate runs until the step stopped waiting', () => {
    const summary = summariseOrders([order('a', 'COMPLETED', 0, 500), order('b', 'PENDING', 0, 0)], 3, 0, 4_000);
    expect(summary).toMatchObject({ ended: 1, pending: 2, endedPerSec: 0.25 });
    expect(summary.endToEndMs.max).toBe(500);
  });
});
