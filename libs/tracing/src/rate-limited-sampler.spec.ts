import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { RateLimitedSampler } from './rate-limited-sampler';

describe('the rate-limited sampler', () => {
  let now = 0;
  const clock = () => now;
  const recordedOf = (sampler: RateLimitedSampler, traces: number) =>
    Array.from({ length: traces }, () => sampler.shouldSample().decision).filter((decision) => decision === SamplingDecision.RECORD_AND_SAMPLED).length;

  beforeEach(() => (now = 0));

  it('records a burst at once, then as many a second as its rate', () => {
    const sampler = new RateLimitedSampler(25, 250, clock);
    expect(recordedOf(sampler, 400)).toBe(250);
    now += 1_000;
    expect(recordedOf(sampler, 100)).toBe(25);
    now += 200;
    expect(recordedOf(sampler, 100)).toBe(5);
  });

  it('saves up no more than its burst, however long it was quiet', () => {
    const sampler = new RateLimitedSampler(25, 250, clock);
    now += 3_600_000;
    expect(recordedOf(sampler, 1_000)).toBe(250);
  });

  it('records a steady stream below its rate whole', () => {
    const sampler = new RateLimitedSampler(25, 1, clock);
    let recorded = 0;
    for (let trace = 0; trace < 100; trace++) {
      now += 50; // 20 a second
      recorded += recordedOf(sampler, 1);
    }
    expect(recorded).toBe(100);
  });

  it('refuses a limit that records nothing', () => {
    expect(() => new RateLimitedSampler(0, 10)).toThrow(RangeError);
    expect(() => new RateLimitedSampler(5, 0)).toThrow('a trace rate limit needs perSecond > 0 and burst >= 1 (got 5, 0)');
  });
});
