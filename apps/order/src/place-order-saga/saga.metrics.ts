import { Injectable } from '@nestjs/common';
import { PlatformMetrics } from '@platform/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

export type SagaOutcome = 'COMPLETED' | 'CANCELLED';

/**
 * The order service's own series, in the service's registry. Orders placed and ended are counted
 * as they commit, so the totals never come from a COUNT over a table that only grows.
 */
@Injectable()
export class SagaMetrics {
  private readonly ordersPlaced: Counter;
  private readonly ordersEnded: Counter<'outcome'>;
  private readonly sagaSeconds: Histogram<'outcome' | 'reason'>;
  private readonly sagasByState: Gauge<'state'>;

  constructor(metrics: PlatformMetrics) {
    const registers = [metrics.registry];
    this.ordersPlaced = new Counter({ name: 'orders_placed_total', help: 'Orders committed by POST /orders', registers });
    this.ordersEnded = new Counter({
      name: 'orders_ended_total',
      help: 'Orders whose saga ended, by outcome (COMPLETED, CANCELLED), counted once the ending committed',
      labelNames: ['outcome'],
      registers,
    });
    this.sagaSeconds = new Histogram({
      name: 'saga_duration_seconds',
      help: "Time from a saga's start to its end, by outcome (COMPLETED, CANCELLED) and cancellation reason ('' when completed)",
      labelNames: ['outcome', 'reason'],
      // From a fast completion (tens of ms) to a payment timeout (PAYMENT_TIMEOUT_MS, 30 s) and beyond.
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.sagasByState = new Gauge({
      name: 'saga_instances',
      help: 'Sagas not yet ended, by state, as of the last count; ended ones are counted by orders_ended_total',
      labelNames: ['state'],
      registers,
    });
    for (const outcome of ['COMPLETED', 'CANCELLED']) this.ordersEnded.labels({ outcome }).inc(0);
  }

  orderPlaced(): void {
    this.ordersPlaced.inc();
  }

  /** Call once the ending has committed. `reason` is the cancellation reason, '' for a completed saga. */
  sagaEnded(outcome: SagaOutcome, reason: string, seconds: number): void {
    this.ordersEnded.inc({ outcome });
    this.sagaSeconds.observe({ outcome, reason }, seconds);
  }

  sagaInstances(state: 'RUNNING', count: number): void {
    this.sagasByState.set({ state }, count);
  }
}
