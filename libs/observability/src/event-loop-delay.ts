import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** The gauges prom-client fills from Node's event-loop delay histogram, each replaced here. */
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
 * How late the event loop ran, as the `nodejs_eventloop_lag_*` gauges, but measured from when
 * each sample was due. Node's monitorEventLoopDelay records the whole time between two ticks of
 * its sampling timer, and prom-client reports that as is, so at the platform's 200 ms sampling
 * interval an idle loop read 0.2 s at every percentile and a loop 50 ms late read 0.25 s. Here the
 * interval is taken off: an idle loop reads about 0, a busy one how long a timer waited for it.
 *
 * prom-client registers its own gauges under these names; they are removed from the registry
 * first. `nodejs_eventloop_lag_seconds` (a setImmediate timed at each scrape) is right as it is
 * and stays.
 */
export function reportEventLoopDelay(registry: Registry, samplingIntervalMs: number): void {
  const intervalSeconds = samplingIntervalMs / 1_000;
  const histogram = monitorEventLoopDelay({ resolution: samplingIntervalMs });
  histogram.enable();
  for (const { name } of Object.values(DELAY_GAUGES)) registry.removeSingleMetric(name);

  // The first gauge's collect sets them all from one window, then starts the next window (as
  // prom-client does): the registry collects the gauges in the order they were registered.
  const gauges = {} as Record<Statistic, Gauge>;
  const collectAll = (): void => {
    for (const [statistic, seconds] of Object.entries(delaysBeyondInterval(histogram, intervalSeconds))) {
      gauges[statistic as Statistic].set(seconds);
    }
    histogram.reset();
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

/** The histogram's statistics in seconds, each less the sampling interval (never below 0); the spread is unchanged by it. */
export function delaysBeyondInterval(
  histogram: Pick<IntervalHistogram, 'min' | 'max' | 'mean' | 'stddev' | 'percentile' | 'count'>,
  intervalSeconds: number,
): Record<Statistic, number> {
  // An empty window (no tick yet) holds placeholders, not samples: min is 2^63 - 1.
  if (histogram.count === 0) return { min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 };
  const late = (nanoseconds: number) => Math.max(0, nanoseconds / 1e9 - intervalSeconds);
  return {
    min: late(histogram.min),
    max: late(histogram.max),
    mean: late(histogram.mean),
    stddev: histogram.stddev / 1e9,
    p50: late(histogram.percentile(50)),
    p90: late(histogram.percentile(90)),
    p99: late(histogram.percentile(99)),
  };
}
