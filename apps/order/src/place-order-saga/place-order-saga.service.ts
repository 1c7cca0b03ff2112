import { Inject, Injectable } from '@nestjs/common';
import { OrderCancelled, OrderCompleted, SagaStepTimedOut } from '@platform/contracts';
import { type InboundMessage, Queues, Routes } from '@platform/messaging';
import { RowsAtCommit, sql } from '@platform/database';
import { outgoing, OutboxWriter } from '@platform/outbox';
import {
  type SagaCommand,
  type SagaDefinition,
  SagaOrchestrator,
  type SagaState,
  type SagaTransition,
  type ScheduledTimeout,
} from '@platform/saga';
import { ORDER_CONFIG, type OrderConfig } from '../order.config';
import type { OrderTransaction } from '../order.database';
import { placeOrderSaga, type PlaceOrderSagaData } from './place-order.saga';
import { SagaMetrics } from './saga.metrics';
import { SqlSagaStore } from './sql-saga.store';

/**
 * Runs the place-order saga for the order service: commands go out through the outbox with
 * this service's reply queue as reply-to, and the saga's end is written to the order itself and
 * announced as an integration event (Kafka log + RabbitMQ topic exchange), all in the same
 * transaction as the saga's last step.
 */
@Injectable()
export class PlaceOrderSagaService {
  private readonly saga: SagaDefinition<PlaceOrderSagaData>;
  private readonly orchestrator: SagaOrchestrator<PlaceOrderSagaData, OrderTransaction>;

  constructor(
    private readonly outbox: OutboxWriter,
    private readonly metrics: SagaMetrics,
    @Inject(ORDER_CONFIG) config: OrderConfig,
  ) {
    this.saga = placeOrderSaga({ paymentTimeoutMs: config.PAYMENT_TIMEOUT_MS });
    this.orchestrator = new SagaOrchestrator(this.saga, {
      store: new SqlSagaStore(),
      send: (tx, sagaId, commands, causationId) => this.sendCommands(tx, sagaId, commands, causationId),
      schedule: (tx, sagaId, timeouts) => this.scheduleTimeouts(tx, sagaId, timeouts),
      endings: { completed: (tx, state) => this.complete(tx, state), compensated: (tx, state) => this.cancel(tx, state) },
    });
  }

  start(tx: OrderTransaction, data: PlaceOrderSagaData): Promise<SagaTransition<PlaceOrderSagaData>> {
    return this.orchestrator.start(tx, data.orderId, data);
  }

  /** `batch` is every reply and timeout handled in this transaction: their sagas are locked together. */
  async handleReply(tx: OrderTransaction, reply: InboundMessage, payload: unknown, batch: readonly InboundMessage[]) {
    await this.orchestrator.lock(tx, batch.map((message) => message.correlationId));
    return this.orchestrator.handleReply(tx, {
      sagaId: reply.correlationId,
      messageId: reply.messageId,
      type: reply.type,
      payload,
    });
  }

  async handleTimeout(
    tx: OrderTransaction,
    timeout: InboundMessage,
    payload: { step: string; stepIndex: number },
    batch: readonly InboundMessage[],
  ) {
    await this.orchestrator.lock(tx, batch.map((message) => message.correlationId));
    return this.orchestrator.handleTimeout(tx, {
      sagaId: timeout.correlationId,
      messageId: timeout.messageId,
      step: payload.step,
      stepIndex: payload.stepIndex,
    });
  }

  /** The name of the saga's step at `index`, for people reading about a saga. */
  stepName(index: number): string {
    return this.saga.steps[index]?.name ?? `step ${index}`;
  }

  /**
   * An operator's way out for a saga stuck on a step: the saga compensates (the step it waits on
   * included) and the order ends CANCELLED_BY_OPERATOR, in this transaction.
   */
  cancelByOperator(tx: OrderTransaction, sagaId: string) {
    return this.orchestrator.cancel(
      tx,
      sagaId,
      (order) => ({ ...order, cancellationReason: 'CANCELLED_BY_OPERATOR' }),
      { by: 'operator', at: new Date().toISOString() },
    );
  }

  private async sendCommands(
    tx: OrderTransaction,
    sagaId: string,
    commands: readonly SagaCommand[],
    causationId?: string,
  ): Promise<void> {
    this.outbox.append(
      tx,
      commands.map(({ contract, payload }) =>
        outgoing(contract, payload, {
          correlationId: sagaId,
          destination: Routes.sagaCommand(contract),
          replyTo: Queues.orderSagaReplies,
          causationId,
        }),
      ),
    );
  }

  /** A deadline is a message parked in the delay queue of its duration, which hands it back to our reply queue. */
  private async scheduleTimeouts(tx: OrderTransaction, sagaId: string, timeouts: readonly ScheduledTimeout[]): Promise<void> {
    this.outbox.append(
      tx,
      timeouts.map(({ step, stepIndex, afterMs }) =>
        outgoing(
          SagaStepTimedOut,
          { sagaType: this.saga.type, step, stepIndex },
          { correlationId: sagaId, destination: Routes.sagaTimeout(afterMs) },
        ),
      ),
    );
  }

  private async complete(tx: OrderTransaction, { data: order }: SagaState<PlaceOrderSagaData>): Promise<void> {
    const lines = [...(order.lines ?? [])];
    const totalCents = order.totalCents ?? 0;
    this.orderEndings.add(tx, [{ orderId: order.orderId, status: 'COMPLETED', totalCents, items: lines }]);
    const event = { orderId: order.orderId, customerId: order.customerId, totalCents, lines };
    this.outbox.append(tx, [
      outgoing(OrderCompleted, event, { correlationId: order.orderId, destination: Routes.orderEventLog(order.orderId) }),
      outgoing(OrderCompleted, event, { correlationId: order.orderId, destination: Routes.orderEventBroadcast(OrderCompleted) }),
    ]);
  }

  private async cancel(tx: OrderTransaction, { data: order }: SagaState<PlaceOrderSagaData>): Promise<void> {
    const reason = order.cancellationReason;
    if (!reason) throw new Error(`saga of order ${order.orderId} compensated without a cancellation reason`);
    // The total is kept when inventory had priced the order: it says what was not charged.
    this.orderEndings.add(tx, [
      {
        orderId: order.orderId,
        status: 'CANCELLED',
        cancellationReason: reason,
        ...(order.lines && { totalCents: order.totalCents, items: [...order.lines] }),
      },
    ]);
    const event = { orderId: order.orderId, customerId: order.customerId, reason };
    this.outbox.append(tx, [
      outgoing(OrderCancelled, event, { correlationId: order.orderId, destination: Routes.orderEventLog(order.orderId) }),
      outgoing(OrderCancelled, event, { correlationId: order.orderId, destination: Routes.orderEventBroadcast(OrderCancelled) }),
    ]);
  }

  /**
   * The orders a transaction ended, in one UPDATE just before it commits. A terminal status is
   * written once: only a PENDING order can end. updated_at is the clock at this statement, not the
   * transaction's start, so it says when the order really ended; the same statement returns how
   * long each saga ran (an order and its saga start in one transaction), observed once it commits.
   */
  private readonly orderEndings = new RowsAtCommit<OrderEnding>(async (tx, endings) => {
    const ended = await tx.query<{ id: string; seconds: number }>(sql`
      UPDATE orders o
         SET status = e.status::order_status,
             cancellation_reason = e.reason,
             total_cents = coalesce(e.total_cents, o.total_cents),
             items = coalesce(e.items::jsonb, o.items),
             updated_at = clock_timestamp()
        FROM unnest(${endings.map((ending) => ending.orderId)}::uuid[], ${endings.map((ending) => ending.status)}::text[],
                    ${endings.map((ending) => (ending.status === 'CANCELLED' ? ending.cancellationReason : null))}::text[],
                    ${endings.map((ending) => ending.totalCents ?? null)}::bigint[],
                    ${endings.map((ending) => (ending.items ? JSON.stringify(ending.items) : null))}::text[])
             AS e(id, status, reason, total_cents, items)
       WHERE o.id = e.id AND o.status = 'PENDING'
      RETURNING o.id, extract(epoch FROM o.updated_at - o.created_at)::float8 AS seconds`);
    const secondsOf = new Map(ended.map(({ id, seconds }) => [id, seconds]));
    if (ended.length !== endings.length) {
      const disagreeing = endings.map(({ orderId }) => orderId).filter((id) => !secondsOf.has(id.toLowerCase()));
      throw new Error(`orders ${disagreeing.join(', ')} are not PENDING; their sagas and their statuses disagree`);
    }
    tx.afterCommit(() => {
      for (const ending of endings) {
        const reason = ending.status === 'CANCELLED' ? ending.cancellationReason : '';
        this.metrics.sagaEnded(ending.status, reason, secondsOf.get(ending.orderId.toLowerCase()) ?? 0);
      }
    });
  });
}

type OrderEnding =
  | { orderId: string; status: 'COMPLETED'; totalCents: number; items: object[] }
  | { orderId: string; status: 'CANCELLED'; cancellationReason: string; totalCents?: number; items?: object[] };
