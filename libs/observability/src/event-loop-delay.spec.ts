import { createHistogram } from 'node:perf_hooks';
import { delaysInSeconds } from './event-loop-delay';
import { PlatformMetrics } from './metrics';

const ms = 1e6;

async function gauge(metrics: PlatformMetrics, name: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((row) => row.startsWith(`${name}{`));
  if (!line) throw new Error(`${name} is not reported`);
  return Number(line.split(' ').pop());
}

const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Keeps the loop from turning, as a long synchronous batch would. */
function holdTheLoop(milliseconds: number): void {
  const until = Date.now() + milliseconds;
  while (Date.now() < until) {
    // busy on purpose
  }
}

describe('event-loop delay', () => {
  it('reports a window of delays in seconds', () => {
    const histogram = createHistogram();
    for (const delay of [1 * ms, 2 * ms, 30 * ms, 250 * ms]) histogram.record(delay);
    const delays = delaysInSeconds(histogram);
    expect(delays.min).toBeCloseTo(0.001, 4);
    expect(delays.max).toBeCloseTo(0.25, 3);
    expect(delays.p50).toBeCloseTo(0.002, 4);
    expect(delays.mean).toBeCloseTo(0.07075, 4);
  });

  it('reports 0 for a window with no sample, not the placeholders of an empty histogram', () => {
    expect(delaysInSeconds(createHistogram())).toEqual({ min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 });
  });

  // These sample the real loop, five times a second: the pauses are the time being measured.
  it('reads about 0 on a loop at rest, where Node records the 200 ms between its samples', async () => {
    const metrics = new PlatformMetrics('test');
    await pause(1_100);
    expect(await gauge(metrics, 'nodejs_eventloop_lag_p50_seconds')).toBeLessThan(0.1);
  });

  it('reports a loop held up right after a scrape, and only in that window', async () => {
    const metrics = new PlatformMetrics('test');
    await pause(500);
    await gauge(metrics, 'nodejs_eventloop_lag_max_seconds');
    // Node's own monitor records nothing until its second tick after a scrape's reset: it would miss this.
    holdTheLoop(450);
    await pause(300);
    // The sample due during the hold ran over 250 ms late (450 ms, less at most 200 before it was due).
    expect(await gauge(metrics, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0.24);
    await pause(700);
    expect(await gauge(metrics, 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(0.2);
  });
});
