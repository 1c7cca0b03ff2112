import { type Attributes, type Context, type Link, type SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

/** What the process samples now: the configured sampler, or the ratio an operator set since it started. */
export type SamplingState =
  | { readonly source: 'configuration'; readonly sampler: string; readonly ratio?: number }
  | { readonly source: 'operator'; readonly sampler: 'parentbased_traceidratio'; readonly ratio: number };

/**
 * The sampler the SDK asks about every span: the one OTEL_TRACES_SAMPLER names, until an operator
 * sets a ratio at run time (`PUT /admin/tracing`): every order while chasing a problem, fewer
 * under load, none to see what recording costs, all without a restart. An operator's ratio is
 * parent-based like the default, so an order's trace stays whole: its first span decides, and
 * every service that continues the trace keeps that decision.
 */
export class AdjustableSampler implements Sampler {
  private sampler: Sampler;
  private state: SamplingState;

  constructor(name: string | undefined, ratioText: string | undefined) {
    const configured = configuredSampler(name ?? 'parentbased_always_on', ratioText === undefined ? undefined : Number(ratioText));
    this.sampler = configured.sampler;
    this.state = configured.state;
  }

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    // A new trace that links to recorded ones (the relay's publish of their rows) is part of their
    // story: recorded with them, whatever share of new traces is recorded, so a sampled order's
    // trace keeps its publishes.
    if (!trace.getSpanContext(context) && links.some(({ context: linked }) => (linked.traceFlags & TraceFlags.SAMPLED) !== 0)) {
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    }
    return this.sampler.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  /** From now on, a new trace is recorded with probability `ratio` (0 to 1). */
  setRatio(ratio: number): SamplingState {
    if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`a sampling ratio is between 0 and 1 (got ${ratio})`);
    this.sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    this.state = { source: 'operator', sampler: 'parentbased_traceidratio', ratio };
    return this.state;
  }

  get current(): SamplingState {
    return this.state;
  }

  toString(): string {
    return `AdjustableSampler{${this.sampler.toString()}}`;
  }
}

/** The samplers OTEL_TRACES_SAMPLER names, as the SDK would build them (tracingSettings has already checked the names). */
function configuredSampler(name: string, ratio: number | undefined): { sampler: Sampler; state: SamplingState } {
  const withRatio = (value: number) => ({ source: 'configuration' as const, sampler: name, ratio: value });
  switch (name) {
    case 'always_on':
      return { sampler: new AlwaysOnSampler(), state: { source: 'configuration', sampler: name } };
    case 'always_off':
      return { sampler: new AlwaysOffSampler(), state: { source: 'configuration', sampler: name } };
    case 'traceidratio':
      return { sampler: new TraceIdRatioBasedSampler(ratio ?? 1), state: withRatio(ratio ?? 1) };
    case 'parentbased_always_off':
      return { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }), state: { source: 'configuration', sampler: name } };
    case 'parentbased_traceidratio':
      return { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio ?? 1) }), state: withRatio(ratio ?? 1) };
    default:
      return { sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }), state: { source: 'configuration', sampler: 'parentbased_always_on' } };
  }
}
