import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ConsoleAdminEndpoint } from '../console-admin.guard';
import { MalformedTraceRequest, readOtlpJson, type SpanRecord } from './otlp-json';
import { SpanStore } from './span-store';

export interface TraceSpan {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: SpanRecord['kind'];
  startTime: string;
  durationMs: number;
  attributes: SpanRecord['attributes'];
}

/** Receives the services' spans over OTLP/HTTP (JSON), and answers an order's trace. */
@Controller()
export class TracesController {
  constructor(@Inject(SpanStore) private readonly spans: SpanStore) {}

  /**
   * The OTLP/HTTP traces endpoint: OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:3005 sends here.
   * Guarded as an operator route: whoever may post spans may claim an order's trace.
   */
  @Post('v1/traces')
  @HttpCode(200)
  @ConsoleAdminEndpoint()
  receive(@Body() body: unknown): { partialSuccess: Record<string, never> } {
    try {
      this.spans.add(readOtlpJson(body));
    } catch (error) {
      if (error instanceof MalformedTraceRequest) throw new BadRequestException(error.message);
      throw error;
    }
    return { partialSuccess: {} };
  }

  /** `traceId: null` until the first span naming the order has arrived (spans are exported about once a second). */
  @Get('api/orders/:id/trace')
  trace(@Param('id') orderId: string): { traceId: string | null; spans: TraceSpan[]; linkedSpans: (TraceSpan & { traceId: string })[] } {
    const trace = this.spans.orderTrace(orderId);
    if (!trace) return { traceId: null, spans: [], linkedSpans: [] };
    return {
      traceId: trace.traceId,
      spans: trace.spans.map(toTraceSpan),
      linkedSpans: trace.linkedSpans.map((span) => ({ traceId: span.traceId, ...toTraceSpan(span) })),
    };
  }
}

function toTraceSpan(span: SpanRecord): TraceSpan {
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    service: span.service,
    name: span.name,
    kind: span.kind,
    startTime: new Date(span.startMs).toISOString(),
    durationMs: span.durationMs,
    attributes: span.failed ? { ...span.attributes, error: true } : span.attributes,
  };
}
