import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { AdjustableSampler } from './adjustable-sampler';

// Spread like real trace ids (the ratio sampler reads their bits), and the same on every run.
const traceIds = Array.from({ length: 400 }, (_, index) => createHash('md5').update(String(index)).digest('hex'));
const recordedShare = (sampler: AdjustableSampler, parent = ROOT_CONTEXT) =>
  traceIds.filter((traceId) => sampler.shouldSample(parent, traceId, 'POST /orders', SpanKind.SERVER, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED).length /
  traceIds.length;
const childOf = (sampled: boolean) =>
  trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });

describe('the adjustable sampler', () => {
  it('starts as OTEL_TRACES_SAMPLER says: by default every new trace, and a child follows its parent', () => {
    const sampler = new AdjustableSampler(undefined, undefined);
    expect(sampler.current).toEqual({ source: 'configuration', sampler: 'parentbased_always_on' });
    expect(recordedShare(sampler)).toBe(1);
    expect(recordedShare(sampler, childOf(false))).toBe(0);
    expect(recordedShare(new AdjustableSampler('always_off', undefined))).toBe(0);
    expect(new AdjustableSampler('parentbased_traceidratio', '0.25').current).toEqual({ source: 'configuration', sampler: 'parentbased_traceidratio', ratio: 0.25 });
  });

  it("records a new trace that links to a recorded one (the relay's publish), whatever share of new traces it records", () => {
    const sampler = new AdjustableSampler('parentbased_always_off', undefined);
    const link = (sampled: boolean) => ({ context: trace.getSpanContext(childOf(sampled))! });
    const decide = (links: ReturnType<typeof link>[]) => sampler.shouldSample(ROOT_CONTEXT, traceIds[0], 'outbox publish kafka', SpanKind.PRODUCER, {}, links).decision;
    expect(decide([link(false), link(true)])).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide([link(false)])).toBe(SamplingDecision.NOT_RECORD);
    expect(decide([])).toBe(SamplingDecision.NOT_RECORD);
  });

  it('takes an operator\'s ratio at run time: 0 records no new trace, 1 every one, and a trace already begun keeps its decision', () => {
    const sampler = new AdjustableSampler(undefined, undefined);
    expect(sampler.setRatio(0)).toEqual({ source: 'operator', sampler: 'parentbased_traceidratio', ratio: 0 });
    expect(recordedShare(sampler)).toBe(0);
    expect(recordedShare(sampler, childOf(true))).toBe(1);

    sampler.setRatio(0.5);
    expect(recordedShare(sampler)).toBeGreaterThan(0.3);
    expect(recordedShare(sampler)).toBeLessThan(0.7);

    sampler.setRatio(1);
    expect(recordedShare(sampler)).toBe(1);
    expect(recordedShare(sampler, childOf(false))).toBe(0);
  });

  it('refuses a ratio outside 0 to 1 and keeps the one it had', () => {
    const sampler = new AdjustableSampler('parentbased_traceidratio', '0.1');
    expect(() => sampler.setRatio(1.5)).toThrow('a sampling ratio is between 0 and 1 (got 1.5)');
    expect(() => sampler.setRatio(Number.NaN)).toThrow(RangeError);
    expect(sampler.current).toEqual({ source: 'configuration', sampler: 'parentbased_traceidratio', ratio: 0.1 });
  });
});
