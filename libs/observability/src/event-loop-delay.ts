import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** The gauges prom-client fills from Node's event-loop delay monitor, each replaced here. */
const DELAY_GAUGES = {
  min: { name: 'nodejs_eventloop_lag_min_seconds', help: 'The shortest event-loop delay recorded since the last scrape' },
  max: { name: 'nodejs_eventloop_lag_max_seconds', help: 'The longest event-loop delay recorded since the last scrape' },
  mean: { name: 'nodejs_eventloop_lag_mean_seconds', help: 'The mean event-loop delay since the last scrape' },
  stddev: { name: 'nodejs_eventloop_lag_stddev_seconds', help: 'The standard deviation of the event-loop delays since the last scrape' },
  p50: { name: 'nodejs_eventloop_lag_p50_seconds', help: 'The median event-loop delay since the last scrape' },
  p90: { name: 'nodejs_eventloop_lag_p90_seconds', help: 'The 90th percentile of the event-loop delays since the last scrape' },
  p99: { name: 'nodejs_eventloop_lag_p99_seconds', help: 'The 99th percentile of the event-loop delays since the last scrape' },
} as const;

type Statistic = keyof typeof DELAY_GAUGES;

/**
 * How late the event loop ran, as the `nodejs_eventloop_lag_*` gauges: a timer due every
 * `samplingIntervalMs` records how long after its due time it ran. Node's monitorEventLoopDelay,
 * which prom-client reads, records the whole time between two of its ticks instead, so at the
 * platform's 200 ms an idle loop read 0.2 s at every percentile and a loop 50 ms late 0.25 s; and
 * after each scrape's reset it records nothing until its second tick, so a stall that began
 * before the first was lost. Here a stall shows at the first tick after it, whenever it began.
 *
 * prom-client registers gauges under these names; they are removed from the registry first.
 * `nodejs_eventloop_lag_seconds` (a setImmediate timed at each scrape) stays as prom-client has it.
 */
export function reportEventLoopDelay(registry: Registry, samplingIntervalMs: number): void {
  const lateness = createHistogram();
  let due = performance.now() + samplingIntervalMs;
  setInterval(() => {
    const now = performance.now();
    // Nanoseconds, at least 1 (what a histogram takes): a timer runs on time or late, never early
    // but for the clock's rounding.
    lateness.record(Math.max(1, Math.round((now - due) * 1e6)));
    due = now + samplingIntervalMs;
  }, samplingIntervalMs).unref();

  for (const { name } of Object.values(DELAY_GAUGES)) registry.removeSingleMetric(name);
  // The first gauge's collect sets them all from one window, then starts the next window (as
  // prom-client does): the registry collects the gauges in the order they were registered.
  const gauges = {} as Record<Statistic, Gauge>;
  const collectAll = (): void => {
    for (const [statistic, seconds] of Object.entries(delaysInSeconds(lateness))) gauges[statistic as Statistic].set(seconds);
    lateness.reset();
  };
  for (const [statistic, { name, help }] of Object.entries(DELAY_GAUGES)) {
    gauges[statistic as Statistic] = new Gauge({
      name,
      help,
      registers: [registry],
      aggregator: statistic === 'min' ? 'min' : statistic === 'max' ? 'max' : 'average',
      ...(statistic === 'min' && { collect: collectAll }),
    });
  }
}

/** A window's statistics in seconds; a window with no sample (scraped again within one interval) reads 0. */
export function delaysInSeconds(
  histogram: Pick<RecordableHistogram, 'min' | 'max' | 'mean' | 'stddev' | 'percentile' | 'count'>,
): Record<Statistic, number> {
  // An empty histogram holds placeholders, not samples: min is 2^63 - 1, mean NaN.
  if (histogram.count === 0) return { min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 };
  return {
    min: histogram.min / 1e9,
    max: histogram.max / 1e9,
    mean: histogram.mean / 1e9,
    stddev: histogram.stddev / 1e9,
    p50: histogram.percentile(50) / 1e9,
    p90: histogram.percentile(90) / 1e9,
    p99: histogram.percentile(99) / 1e9,
  };
}
