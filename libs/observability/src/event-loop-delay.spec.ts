import { PlatformMetrics } from './metrics';
import { delaysBeyondInterval } from './event-loop-delay';

const ms = 1e6;

/** A histogram as Node's monitor fills it: every value is the time between two ticks of its timer. */
const histogramOf = (nanoseconds: number[]) => {
  const sorted = [...nanoseconds].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(sorted.length, 1);
  return {
    count: sorted.length,
    min: sorted.length ? sorted[0] : 9_223_372_036_854_776_000,
    max: sorted.length ? sorted[sorted.length - 1] : 0,
    mean: sorted.length ? mean : Number.NaN,
    stddev: sorted.length ? Math.sqrt(sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / sorted.length) : Number.NaN,
    percentile: (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)],
  };
};

async function gauge(metrics: PlatformMetrics, name: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((row) => row.startsWith(`${name}{`));
  if (!line) throw new Error(`${name} is not reported`);
  return Number(line.split(' ').pop());
}

describe('event-loop delay', () => {
  it('reports how late each sample was, not the sampling interval it includes', () => {
    const delays = delaysBeyondInterval(histogramOf([200 * ms, 201 * ms, 230 * ms, 450 * ms]), 0.2);
    expect(delays.min).toBeCloseTo(0, 6);
    expect(delays.p50).toBeCloseTo(0.001, 6);
    expect(delays.p90).toBeCloseTo(0.25, 6);
    expect(delays.max).toBeCloseTo(0.25, 6);
    expect(delays.mean).toBeCloseTo(0.07025, 6);
  });

  it('leaves the spread as it is, and never reports a delay below 0', () => {
    const histogram = histogramOf([199.5 * ms, 200.5 * ms]);
    const delays = delaysBeyondInterval(histogram, 0.2);
    expect(delays.min).toBe(0);
    expect(delays.stddev).toBeCloseTo(histogram.stddev / 1e9, 9);
  });

  it('reports 0 for a window with no sample yet, not the placeholders of an empty histogram', () => {
    expect(delaysBeyondInterval(histogramOf([]), 0.2)).toEqual({ min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 });
  });

  it('on a service at rest reads near 0 (Node records 0.2 s, its sampling interval), and shows a loop held up', async () => {
    const metrics = new PlatformMetrics('test');
    // The monitor samples five times a second: what is measured here is time passing.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await gauge(metrics, 'nodejs_eventloop_lag_p50_seconds')).toBeLessThan(0.1);

    // Node records nothing at the first tick after a scrape has reset the window.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const blockedUntil = Date.now() + 450;
    while (Date.now() < blockedUntil) {
      // keeps the loop from turning, as a long synchronous batch would
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The tick due during the hold ran over 250 ms late (450 ms, less at most 200 before it was due).
    const heldUp = await gauge(metrics, 'nodejs_eventloop_lag_max_seconds');
    expect(heldUp).toBeGreaterThan(0.24);
    // Each scrape starts a new window: the hold is not reported again.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await gauge(metrics, 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(heldUp);
  });
});
