import { overviewOf, type Scrape } from './overview';
import { bucketsOf, quantileBetween, readPrometheusText } from './prometheus-text';

const orderMetrics = (placed: number, completed: number, fastSagas: number, slowSagas: number) => `
# HELP orders_placed_total Orders accepted
# TYPE orders_placed_total counter
orders_placed_total ${placed}
orders_ended_total{outcome="COMPLETED"} ${completed}
orders_ended_total{outcome="CANCELLED"} 1
saga_instances{state="AWAITING_PAYMENT"} 4
saga_stuck_instances 1
saga_duration_seconds_bucket{le="0.1",outcome="COMPLETED",reason=""} ${fastSagas}
saga_duration_seconds_bucket{le="1",outcome="COMPLETED",reason=""} ${fastSagas + slowSagas}
saga_duration_seconds_bucket{le="+Inf",outcome="COMPLETED",reason=""} ${fastSagas + slowSagas}
outbox_pending_messages 7
outbox_oldest_pending_age_seconds 42.5
outbox_backlog_alerting 1
kafka_consumer_lag{group="points",topic="orders",partition="2"} 250
kafka_consumer_lag_alerting{group="points"} 1
dead_letter_messages{broker="rabbitmq",source="order.saga-replies"} 3
`;

const scrape = (at: number, metrics: string): Scrape => ({
  at,
  services: [{ name: 'order', url: 'http://127.0.0.1:3000', live: true, ready: true, checks: { database: 'up', kafka: 'down', 'kafka-consumer-group points': 'down' }, samples: readPrometheusText(metrics) }],
});

describe('the overview', () => {
  it('turns two scrapes into rates, a minute of sagas into percentiles, and reads backlog, lag and dead letters', () => {
    const minuteAgo = scrape(0, orderMetrics(0, 0, 0, 0));
    const previous = scrape(58_000, orderMetrics(90, 80, 60, 20));
    const latest = scrape(60_000, orderMetrics(110, 100, 80, 20));
    const overview = overviewOf(latest, previous, minuteAgo, []);
    expect(overview.orders).toEqual({
      placedPerSecond: 10,
      completedPerSecond: 10,
      cancelledPerSecond: 0,
      placedTotal: 110,
      completedTotal: 100,
      cancelledTotal: 1,
      running: 4,
      stuck: 1,
    });
    // 80 of 100 sagas under 100 ms: the median is interpolated inside the first bucket, the p99 in the second.
    expect(overview.latency).toEqual({ p50Ms: 63, p90Ms: 550, p99Ms: 955 });
    expect(overview.outbox).toEqual([{ service: 'order', pending: 7, oldestPendingAgeSeconds: 42.5, alerting: true }]);
    expect(overview.lag).toEqual([{ service: 'order', group: 'points', topic: 'orders', partition: 2, lag: 250, alerting: true }]);
    expect(overview.deadLetters).toEqual([{ service: 'order', broker: 'rabbitmq', source: 'order.saga-replies', depth: 3 }]);
    expect(overview.history).toHaveLength(1);
    // Brokers and databases as the services see them; a consumer group's own check is not a dependency.
    expect(overview.dependencies).toEqual([
      { name: 'postgresql', up: true, downFor: [] },
      { name: 'kafka', up: false, downFor: ['order'] },
    ]);
  });

  it('counts a counter that went down (a restarted service) as no progress', () => {
    const overview = overviewOf(scrape(2_000, orderMetrics(5, 5, 0, 0)), scrape(0, orderMetrics(500, 400, 0, 0)), undefined, []);
    expect(overview.orders.placedPerSecond).toBe(0);
    expect(overview.latency).toEqual({ p50Ms: null, p90Ms: null, p99Ms: null });
  });
});

describe('histogram quantiles', () => {
  it('answers the highest finite bound for what lies above it, and null when nothing was observed', () => {
    const buckets = bucketsOf(readPrometheusText('h_bucket{le="1"} 0\nh_bucket{le="+Inf"} 4'), 'h');
    expect(quantileBetween([], buckets, 0.5)).toBe(1);
    expect(quantileBetween(buckets, buckets, 0.5)).toBeNull();
  });

  it('reads label values with escaped quotes', () => {
    expect(readPrometheusText('m{reason="said \\"no\\""} 2')).toEqual([{ name: 'm', labels: { reason: 'said "no"' }, value: 2 }]);
  });
});
