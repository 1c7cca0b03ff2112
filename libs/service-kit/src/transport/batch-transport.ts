import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import type { SqlTransaction } from '@platform/database';
import type { IdempotentConsumer } from '@platform/idempotency';
import { type InboundMessage, MessageHandlers } from '@platform/messaging';
import type { PlatformMetrics } from '@platform/observability';
import type { OutboxWriter } from '@platform/outbox';
import type { Logger } from 'pino';
import { isObservable, lastValueFrom } from 'rxjs';
import { ParticipantOutcome } from '../participant-outcome';
import { HandlerTelemetry } from './handler-telemetry';
import { MessageContext } from './message-context';
import { type SubscribedExtras, subscribedPatternOf } from './message-pattern';

type Handlers = MessageHandlers<MessageContext<SqlTransaction>>;

export interface BatchTransportOptions {
  /**
   * Every subscription of the service, on either broker, with the message types the topology
   * brings to it (see carriedTypes): a handler naming another subscription, or a type its
   * subscription never receives, is a mistake.
   */
  readonly carried: ReadonlyMap<string, ReadonlySet<string>>;
  readonly service: string;
  readonly inbox: IdempotentConsumer;
  /** Where a participant's reply and events go, in the handler's transaction. */
  readonly outbox: OutboxWriter;
  readonly logger: Logger;
  readonly metrics: PlatformMetrics;
}

/**
 * What the RabbitMQ and Kafka transports share. Nest registers every `@EventPattern` handler of
 * the service's controllers with the transport; at listen() they are indexed by subscription,
 * and each batch a consumer hands over is checked against its contracts, then handled in one
 * transaction with its inbox rows (see IdempotentConsumer), each handler timed and counted (see HandlerTelemetry). Nest's pipes, guards, interceptors
 * and filters run around each handler, inside that transaction. What a saga participant's handler
 * returns (a ParticipantOutcome) is written to the outbox in the same transaction.
 */
export abstract class BatchTransport extends Server implements CustomTransportStrategy {
  private bySubscription = new Map<string, Handlers>();
  private readonly telemetry: HandlerTelemetry;

  protected constructor(protected readonly platform: BatchTransportOptions) {
    super();
    this.telemetry = new HandlerTelemetry(platform.metrics, platform.logger);
  }

  /**
   * Indexes the handlers Nest registered, or refuses to start, naming the one that is wrong: a
   * pattern that is not `messageFrom(subscription, Contract)`, a subscription the service does
   * not declare, a type the topology never brings to that subscription, or two handlers of one
   * type on one subscription.
   */
  protected indexHandlers(): void {
    const bySubscription = new Map<string, Handlers>();
    for (const [route, handler] of this.getHandlers()) {
      const pattern = subscribedPatternOf(route);
      const contracts = (handler.extras as Partial<SubscribedExtras> | undefined)?.contracts ?? [];
      const contract = contracts.find(({ type }) => type === pattern?.type);
      if (!pattern || !contract) {
        throw new Error(`the message handler of ${route} must be declared with @EventPattern(...messageFrom(subscription, Contract))`);
      }
      const carried = this.platform.carried.get(pattern.subscription);
      if (!carried) {
        throw new Error(`a handler of ${pattern.type} consumes '${pattern.subscription}', which is not a subscription of the ${this.platform.service} service`);
      }
      if (!carried.has(pattern.type)) {
        throw new Error(
          `the handler of ${pattern.type} on '${pattern.subscription}' would never be called: the topology brings no ${pattern.type} there (add it to what the queue or topic carries)`,
        );
      }
      if (handler.next) throw new Error(`two handlers for ${pattern.type} on ${pattern.subscription}`);
      const handlers = bySubscription.get(pattern.subscription) ?? new MessageHandlers<MessageContext<SqlTransaction>>();
      handlers.on(contract, (payload, context) =>
        this.telemetry.around(context.message, async () => {
          const outcome = await invoke(handler, payload, context);
          if (outcome) this.platform.outbox.append(context.tx, outcome.messagesFor(context.message));
        }),
      );
      bySubscription.set(pattern.subscription, handlers);
    }
    this.bySubscription = bySubscription;
  }

  /** Whether the subscription has a handler for this type (a Kafka group skips the other types of its topics). */
  protected handles(subscription: string, type: string): boolean {
    return this.bySubscription.get(subscription)?.handles(type) ?? false;
  }

  /**
   * Validates every message against its contract (a PermanentMessageError fails the batch before
   * any transaction opens, and the consumer then handles the messages one at a time), then applies
   * the new ones in one transaction with their inbox rows.
   */
  protected async dispatch(subscription: string, messages: readonly InboundMessage[]): Promise<void> {
    const handlers = this.bySubscription.get(subscription) ?? new MessageHandlers<MessageContext<SqlTransaction>>();
    const entries = messages.map((message) => {
      const handle = handlers.prepare(message);
      return {
        message,
        apply: (tx: SqlTransaction, batch: readonly InboundMessage[]) => handle(new MessageContext([tx, message, batch])),
      };
    });
    const started = performance.now();
    const outcomes = await this.platform.inbox.handleBatch(subscription, entries);
    this.platform.metrics.batchHandled(subscription, messages.length, (performance.now() - started) / 1_000);
    messages.forEach((message, index) => {
      const outcome = outcomes[index];
      this.platform.logger.info(
        { orderId: message.correlationId, messageId: message.messageId, type: message.type, subscription, outcome },
        outcome === 'processed' ? 'message handled' : 'duplicate message skipped',
      );
    });
  }

  on(): never {
    throw new Error('the platform transports report their state through readiness and metrics, not events');
  }
}

/**
 * Runs Nest's handler (its pipes, interceptors and filters around the method) to the end. A
 * handler returns nothing or a participant's outcome; anything else would be dropped unseen, so
 * it is a bug, and fails the message.
 */
async function invoke(
  handler: MessageHandler,
  payload: unknown,
  context: MessageContext<SqlTransaction>,
): Promise<ParticipantOutcome | undefined> {
  const returned: unknown = await handler(payload, context);
  const result: unknown = isObservable(returned) ? await lastValueFrom(returned, { defaultValue: undefined }) : returned;
  if (result === undefined || result instanceof ParticipantOutcome) return result;
  throw new Error(`the handler of ${context.message.type} returned something other than a ParticipantOutcome, which nothing would send`);
}
