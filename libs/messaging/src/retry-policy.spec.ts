import { BrokerUnavailableError, PermanentMessageError } from './errors';
import { RetryPolicy } from './retry-policy';

describe('retry policy', () => {
  it('with intervals, then each retry waits its own pause and the attempts are one more than the pauses', () => {
    const policy = RetryPolicy.intervals(1_000, 5_000, 30_000);

    expect(policy.maxAttempts).toBe(4);
    expect([1, 2, 3].map((failed) => policy.delayMs(failed))).toEqual([1_000, 5_000, 30_000]);
    expect([1, 2, 3, 4].map((failed) => policy.retriesAfter(failed))).toEqual([true, true, true, false]);
    expect(policy.intervalsMs).toEqual([1_000, 5_000, 30_000]);
  });

  it('when exponential, then the pauses double from the first up to the ceiling', () => {
    const policy = RetryPolicy.exponential({ initialMs: 500, maxMs: 3_000, maxAttempts: 6 });

    expect([1, 2, 3, 4, 5].map((failed) => policy.delayMs(failed))).toEqual([500, 1_000, 2_000, 3_000, 3_000]);
    expect(policy.intervalsMs).toEqual([500, 1_000, 2_000, 3_000, 3_000]);
    expect(policy.retriesAfter(5)).toBe(true);
    expect(policy.retriesAfter(6)).toBe(false);
  });

  it('when unbounded, then it always retries, and a huge attempt number still waits the ceiling', () => {
    const policy = RetryPolicy.exponential({ initialMs: 250, maxMs: 15_000 });

    expect(policy.retriesAfter(1_000_000)).toBe(true);
    expect(policy.delayMs(10_000)).toBe(15_000);
    expect(() => policy.intervalsMs).toThrow('retries for ever');
  });

  it('with jitter, then each pause falls between half and all of its scheduled length', () => {
    const policy = RetryPolicy.exponential({ initialMs: 1_000, maxMs: 1_000 }).withJitter();
    const pauses = Array.from({ length: 200 }, () => policy.delayMs(3));

    expect(Math.min(...pauses)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(1_000);
    expect(new Set(pauses).size).toBeGreaterThan(1);
  });

  it('counts a lost broker as transient, a bug as not, and a permanent failure never, whatever the classifier says', () => {
    const policy = RetryPolicy.intervals(1_000);
    const everything = policy.treatingAsTransient(() => true);

    expect(policy.isTransient(new BrokerUnavailableError('away'))).toBe(true);
    expect(policy.isTransient(new TypeError('a bug'))).toBe(false);
    expect(everything.isTransient(new TypeError('a bug'))).toBe(true);
    expect(everything.isTransient(new PermanentMessageError('poison'))).toBe(false);
  });

  it('pauses transient failures on their own schedule, without touching the attempts', () => {
    const policy = RetryPolicy.intervals(1_000, 2_000).treatingAsTransient(() => true, { initialMs: 100, maxMs: 400 });

    expect([1, 2, 3, 4].map((attempt) => policy.transientDelayMs(attempt))).toEqual([100, 200, 400, 400]);
    expect(policy.maxAttempts).toBe(3);
    expect(policy.withMaxAttempts(5).transientDelayMs(2)).toBe(200);
  });

  it.each([
    ['no intervals', () => RetryPolicy.intervals()],
    ['a negative interval', () => RetryPolicy.intervals(1_000, -1)],
    ['a ceiling below the first pause', () => RetryPolicy.exponential({ initialMs: 1_000, maxMs: 10 })],
    ['no attempt at all', () => RetryPolicy.exponential({ initialMs: 1, maxMs: 10, maxAttempts: 0 })],
    ['a fraction of an attempt', () => RetryPolicy.intervals(10).withMaxAttempts(2.5)],
  ])('refuses %s', (_, build) => {
    expect(build).toThrow();
  });
});
