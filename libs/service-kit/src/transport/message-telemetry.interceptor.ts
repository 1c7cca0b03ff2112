import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { describeError } from '@platform/messaging';
import type { PlatformMetrics } from '@platform/observability';
import type { Logger } from 'pino';
import { type Observable, tap } from 'rxjs';
import type { MessageContext } from './message-context';

/**
 * Around every message handler, as an interceptor is around an HTTP route: it times the handler,
 * counts it by source, type and result (`message_handler_seconds`), and logs a failure with the
 * message's identity. What was committed (handled, or skipped as a duplicate) the transport logs
 * after the batch's commit, since a handler that ran may still be rolled back with its batch.
 */
export class MessageTelemetryInterceptor implements NestInterceptor {
  constructor(
    private readonly metrics: PlatformMetrics,
    private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const { message } = context.switchToRpc().getContext<MessageContext<unknown>>();
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1_000;
    return next.handle().pipe(
      tap({
        complete: () => this.metrics.handlerRan(message.source, message.type, 'ok', seconds()),
        error: (error: unknown) => {
          this.metrics.handlerRan(message.source, message.type, 'failed', seconds());
          this.logger.warn(
            { orderId: message.correlationId, messageId: message.messageId, type: message.type, source: message.source, err: describeError(error) },
            'message handler failed',
          );
        },
      }),
    );
  }
}
