import { bucketsOf, quantileBetween, type Sample, sumOf } from './prometheus-text';

export const SERVICE_NAMES = ['order', 'inventory', 'payment', 'notification', 'points'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The dependencies a service's /health/ready checks, by the name it reports them under, and how the overview names them. */
const DEPENDENCIES: Readonly<Record<string, string>> = { database: 'postgresql', rabbitmq: 'rabbitmq', kafka: 'kafka', redis: 'redis' };

/** What one round of scrapes read of every service: its health (with each dependency's check), and its /metrics. */
export interface Scrape {
  at: number;
  services: { name: ServiceName; url: string; live: boolean; ready: boolean; checks: Record<string, 'up' | 'down'>; samples: Sample[] }[];
}

export interface Overview {
  at: string;
  services: { name: ServiceName; url: string; live: boolean; ready: boolean }[];
  /** Each broker and database, as the services that use it see it: up when every one of them reaches it. */
  dependencies: { name: string; up: boolean; downFor: ServiceName[] }[];
  orders: {
    placedPerSecond: number;
    completedPerSecond: number;
    cancelledPerSecond: number;
    placedTotal: number;
    completedTotal: number;
    cancelledTotal: number;
    running: number;
    stuck: number;
  };
  latency: { p50Ms: number | null; p90Ms: number | null; p99Ms: number | null };
  outbox: { service: ServiceName; pending: number; oldestPendingAgeSeconds: number; alerting: boolean }[];
  lag: { service: ServiceName; group: string; topic: string; partition: number; lag: number; alerting: boolean }[];
  deadLetters: { service: ServiceName; broker: 'rabbitmq' | 'kafka'; source: string; depth: number }[];
  history: HistoryPoint[];
}

export interface HistoryPoint {
  at: string;
  placedPerSecond: number;
  completedPerSecond: number;
  cancelledPerSecond: number;
  running: number;
  outboxPending: number;
  deadLetters: number;
  p99Ms: number | null;
}

const SAGA_DURATION = 'saga_duration_seconds';

/**
 * The overview's figures from the latest scrape, the one before (for rates) and one about a
 * minute old (for the latency percentiles of the last minute). Counters that went down (a
 * service restarted) count as no progress, not as negative rates.
 */
export function overviewOf(latest: Scrape, previous: Scrape | undefined, minuteAgo: Scrape | undefined, history: HistoryPoint[]): Overview {
  const order = samplesOf(latest, 'order');
  const seconds = previous ? Math.max((latest.at - previous.at) / 1_000, 1e-3) : 0;
  const rate = (name: string, where: Record<string, string> = {}) => {
    if (!previous) return 0;
    return Math.max(0, sumOf(order, name, where) - sumOf(samplesOf(previous, 'order'), name, where)) / seconds;
  };
  const quantileMs = (q: number) => {
    const seconds = quantileBetween(minuteAgo ? bucketsOf(samplesOf(minuteAgo, 'order'), SAGA_DURATION) : [], bucketsOf(order, SAGA_DURATION), q);
    return seconds === null ? null : Math.round(seconds * 1_000);
  };
  const overview: Omit<Overview, 'history'> = {
    at: new Date(latest.at).toISOString(),
    services: latest.services.map(({ name, url, live, ready }) => ({ name, url, live, ready })),
    dependencies: dependenciesOf(latest),
    orders: {
      placedPerSecond: rate('orders_placed_total'),
      completedPerSecond: rate('orders_ended_total', { outcome: 'COMPLETED' }),
      cancelledPerSecond: rate('orders_ended_total', { outcome: 'CANCELLED' }),
      placedTotal: sumOf(order, 'orders_placed_total'),
      completedTotal: sumOf(order, 'orders_ended_total', { outcome: 'COMPLETED' }),
      cancelledTotal: sumOf(order, 'orders_ended_total', { outcome: 'CANCELLED' }),
      running: sumOf(order, 'saga_instances'),
      stuck: sumOf(order, 'saga_stuck_instances'),
    },
    latency: { p50Ms: quantileMs(0.5), p90Ms: quantileMs(0.9), p99Ms: quantileMs(0.99) },
    outbox: latest.services.map(({ name, samples }) => ({
      service: name,
      pending: sumOf(samples, 'outbox_pending_messages'),
      oldestPendingAgeSeconds: sumOf(samples, 'outbox_oldest_pending_age_seconds'),
      alerting: sumOf(samples, 'outbox_backlog_alerting') > 0,
    })),
    lag: latest.services.flatMap(({ name, samples }) =>
      samples
        .filter((sample) => sample.name === 'kafka_consumer_lag')
        .map((sample) => ({
          service: name,
          group: sample.labels.group,
          topic: sample.labels.topic,
          partition: Number(sample.labels.partition),
          lag: sample.value,
          alerting: sumOf(samples, 'kafka_consumer_lag_alerting', { group: sample.labels.group }) > 0,
        })),
    ),
    deadLetters: latest.services.flatMap(({ name, samples }) =>
      samples
        .filter((sample) => sample.name === 'dead_letter_messages')
        .map((sample) => ({
          service: name,
          broker: sample.labels.broker === 'kafka' ? ('kafka' as const) : ('rabbitmq' as const),
          source: sample.labels.source,
          depth: sample.value,
        })),
    ),
  };
  const point: HistoryPoint = {
    at: overview.at,
    placedPerSecond: overview.orders.placedPerSecond,
    completedPerSecond: overview.orders.completedPerSecond,
    cancelledPerSecond: overview.orders.cancelledPerSecond,
    running: overview.orders.running,
    outboxPending: overview.outbox.reduce((sum, row) => sum + row.pending, 0),
    deadLetters: overview.deadLetters.reduce((sum, row) => sum + row.depth, 0),
    p99Ms: overview.latency.p99Ms,
  };
  return { ...overview, history: [...history, point] };
}

function dependenciesOf(scrape: Scrape): Overview['dependencies'] {
  const seen = new Map<string, ServiceName[]>();
  for (const service of scrape.services) {
    for (const [check, status] of Object.entries(service.checks)) {
      const dependency = DEPENDENCIES[check];
      if (!dependency) continue;
      const downFor = seen.get(dependency) ?? [];
      if (status === 'down') downFor.push(service.name);
      seen.set(dependency, downFor);
    }
  }
  return [...seen].map(([name, downFor]) => ({ name, up: downFor.length === 0, downFor }));
}

function samplesOf(scrape: Scrape, service: ServiceName): Sample[] {
  return scrape.services.find((entry) => entry.name === service)?.samples ?? [];
}
