import type { OrderTimes } from '../../../bench/saga/database';
import type { HttpOutcome } from '../../../bench/saga/http-client';
import type { Timed } from '../../../bench/saga/load';
import { acceptedOrderId, summariseOrders, summariseRequests } from '../../../bench/saga/outcomes';

const request = (result: HttpOutcome, dueAt: number, sentAt: number, answeredAt: number): Timed<HttpOutcome> => ({ dueAt, sentAt, answeredAt, result });
const accepted = (id: string, newConnection = false): HttpOutcome => ({
  kind: 'answer',
  status: 202,
  body: JSON.stringify({ id, status: 'PENDING' }),
  newConnection,
});

describe('summarising the requests of a step', () => {
  it('counts 202s, other answers by status and failures by code, with latency from when each was due', () => {
    const summary = summariseRequests([
      request(accepted('a'), 0, 0, 10),
      request(accepted('b'), 10, 40, 50),
      request({ kind: 'answer', status: 503, body: '{}', newConnection: false }, 20, 20, 30),
      request({ kind: 'network-error', code: 'ECONNRESET', newConnection: false }, 30, 30, 35),
    ]);
    expect(summary).toMatchObject({ sent: 4, accepted: 2, refusedByStatus: { 503: 1 }, networkErrors: { ECONNRESET: 1 } });
    // Latencies 10, 40, 10, 5: the late send of "b" counts against it.
    expect(summary.postLatencyMs).toEqual({ p50: 10, p99: 40 });
    expect(summary.sendDelayMsP99).toBe(30);
  });

  it('splits the latency by whether a request opened its connection or went over one kept alive', () => {
    const summary = summariseRequests([
      request(accepted('a', true), 0, 0, 4_000),
      request(accepted('b', true), 10, 10, 3_010),
      request(accepted('c'), 20, 20, 60),
      request({ kind: 'network-error', code: 'ECONNRESET', newConnection: false }, 30, 30, 50),
    ]);
    expect(summary.postLatencyByConnectionMs).toEqual({
      new: { requests: 2, p50: 3_000, p99: 4_000 },
      keptAlive: { requests: 2, p50: 20, p99: 40 },
    });
  });

  it('has no latency to give for a kind of connection no request used', () => {
    const summary = summariseRequests([request(accepted('a'), 0, 0, 10)]);
    expect(summary.postLatencyByConnectionMs.new).toEqual({ requests: 0, p50: Number.NaN, p99: Number.NaN });
  });

  it('takes the order id from a 202 answer only', () => {
    expect(acceptedOrderId(accepted('7b7c'))).toBe('7b7c');
    expect(acceptedOrderId({ kind: 'answer', status: 400, body: '{}', newConnection: false })).toBeUndefined();
    expect(() => acceptedOrderId({ kind: 'answer', status: 202, body: '{}', newConnection: false })).toThrow('202 without an order id');
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
