import { Body, ConflictException, Controller, Get, Inject, Put } from '@nestjs/common';
import { type SamplingState, tracingSampler } from '@platform/tracing';
import { z } from 'zod';
import { AdminEndpoint } from './admin.guard';
import { PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import { ZodValidationPipe } from './zod-validation.pipe';

const ratioRule = { error: 'must be a number from 0 to 1' };
const SamplingRequest = z.strictObject({ sampleRatio: z.number(ratioRule).min(0, ratioRule).max(1, ratioRule) });

type TracingState = { readonly tracing: 'on'; readonly sampling: SamplingState } | { readonly tracing: 'off' };

/**
 * How many new traces this process records, changed without a restart: 1 to trace every order
 * while chasing a problem, less under load, 0 to record nothing (the benchmark compares the two).
 * It lasts until the process stops; OTEL_TRACES_SAMPLER says what a start begins with.
 */
@Controller('admin/tracing')
@AdminEndpoint()
export class TracingAdminController {
  constructor(@Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions) {}

  @Get()
  state(): TracingState {
    const sampler = tracingSampler();
    return sampler ? { tracing: 'on', sampling: sampler.current } : { tracing: 'off' };
  }

  /** Body `{ "sampleRatio": 0.1 }`: from now on, one new trace in ten is recorded; the orders in flight keep their decision. */
  @Put()
  adjust(@Body(new ZodValidationPipe(SamplingRequest)) body: z.infer<typeof SamplingRequest>): TracingState {
    const sampler = tracingSampler();
    if (!sampler) {
      throw new ConflictException(`tracing is off in the ${this.options.service} service (OTEL_SDK_DISABLED=true); only a restart without it turns it on`);
    }
    return { tracing: 'on', sampling: sampler.setRatio(body.sampleRatio) };
  }
}
