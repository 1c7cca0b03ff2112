import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/**
 * Records at most `perSecond` new traces a second, and up to `burst` at once after a quiet spell: a
 * token bucket. Every order placed by hand, or by a test, is traced whole; under load the recording
 * stays a fixed cost instead of growing with the orders. A ratio would cost the same share at any
 * rate (and drop orders a person is looking for at the lowest).
 *
 * Only a trace's first span asks (the platform wraps it in a parent-based sampler), so one
 * token is one order's whole trace.
 */
export class RateLimitedSampler implements Sampler {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perSecond > 0 && burst >= 1)) throw new RangeError(`a trace rate limit needs perSecond > 0 and burst >= 1 (got ${perSecond}, ${burst})`);
    this.tokens = burst;
    this.refilledAt = now();
  }

  shouldSample(): SamplingResult {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return { decision: SamplingDecision.NOT_RECORD };
    this.tokens -= 1;
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }

  toString(): string {
    return `RateLimitedSampler{${this.perSecond}/s, burst ${this.burst}}`;
  }
}
