import { createHash } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { OrderPlaced } from '@platform/contracts';
import { isUniqueViolation, newTimeOrderedId, sql, WritesAtCommit } from '@platform/database';
import { Routes } from '@platform/messaging';
import { outgoing, OutboxWriter } from '@platform/outbox';
import { ApiDatabase, PLATFORM_LOGGER } from '@platform/service-kit';
import type { Logger } from 'pino';
import { OrderDatabase } from '../order.database';
import { PlaceOrderSagaService } from '../place-order-saga/place-order-saga.service';
import { SagaMetrics } from '../place-order-saga/saga.metrics';
import { toOrderView, type OrderView } from './order.view';
import { IdempotencyKeys, IdempotencyKeyTaken } from './idempotency-keys';
import type { PlaceOrderRequest } from './place-order.request';

interface NewOrder {
  id: string;
  customerId: string;
  items: PlaceOrderRequest['items'];
}

@Injectable()
export class OrdersService {
  /** New orders, written with one insert per (shared) transaction. */
  private readonly newOrders = new WritesAtCommit<NewOrder>((orders) => ({
    table: 'orders',
    statement: sql`
      INSERT INTO orders (id, customer_id, items, updated_at)
      SELECT id, customer_id, items::jsonb, now()
        FROM unnest(${orders.map((order) => order.id)}::uuid[], ${orders.map((order) => order.customerId)}::text[],
                    ${orders.map((order) => JSON.stringify(order.items))}::text[]) AS o(id, customer_id, items)`,
  }));

  constructor(
    private readonly db: OrderDatabase,
    private readonly api: ApiDatabase,
    private readonly saga: PlaceOrderSagaService,
    private readonly outbox: OutboxWriter,
    private readonly idempotencyKeys: IdempotencyKeys,
    private readonly metrics: SagaMetrics,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Stores the order, its saga, the saga's first command and order.placed (on the log and the
   * broadcast) in one short transaction on the API's own connections, shared with the other
   * orders of a burst (group commit): the order exists if and only
   * if its saga will run and the world hears of it. The answer is built from what was written, so
   * a committed order is always answered 202, never lost to a second read. With an
   * Idempotency-Key, a repeated request gets the order the first one created, and the same key
   * with another body is refused.
   */
  async place(request: PlaceOrderRequest, idempotencyKey?: string): Promise<OrderView> {
    const requestHash = hashOf(request);
    if (idempotencyKey) {
      const earlier = await this.replay(request.customerId, idempotencyKey, requestHash);
      if (earlier) return earlier;
    }
    const orderId = newTimeOrderedId();
    let placed: OrderView;
    try {
      // Run again alone if the shared transaction fails, so everything it writes is decided above.
      placed = await this.api.transactionShared(async (tx) => {
        if (idempotencyKey) await this.idempotencyKeys.claim(tx, request.customerId, idempotencyKey, { requestHash, orderId });
        this.newOrders.add(tx, [{ id: orderId, customerId: request.customerId, items: request.items }]);
        const { history } = await this.saga.start(tx, { orderId, customerId: request.customerId, items: request.items });
        const event = { orderId, customerId: request.customerId, items: request.items };
        this.outbox.append(tx, [
          outgoing(OrderPlaced, event, { correlationId: orderId, destination: Routes.orderEventLog(orderId) }),
          outgoing(OrderPlaced, event, { correlationId: orderId, destination: Routes.orderPlacedBroadcast() }),
        ]);
        const at = new Date().toISOString();
        return {
          id: orderId,
          customerId: request.customerId,
          items: request.items,
          status: 'PENDING',
          history: history.map(({ step, event: what, detail }) => ({ step, event: what, at, ...(detail && { detail }) })),
        };
      });
    } catch (error) {
      // Two requests with the same new key raced; the other one won, so answer with its order.
      if (idempotencyKey && (error instanceof IdempotencyKeyTaken || isUniqueViolation(error, 'idempotency_key_pkey'))) {
        const earlier = await this.replay(request.customerId, idempotencyKey, requestHash);
        if (earlier) return earlier;
      }
      throw error;
    }
    this.metrics.orderPlaced();
    this.logger.info({ orderId, customerId: request.customerId, lines: request.items.length }, 'order placed');
    return placed;
  }

  async get(orderId: string): Promise<OrderView> {
    // One snapshot for both reads, so the status and the history always tell the same story.
    const [order, history] = await this.db.$transaction(
      [
        this.db.order.findUnique({ where: { id: orderId } }),
        this.db.sagaHistoryEntry.findMany({ where: { sagaId: orderId }, orderBy: { id: 'asc' } }),
      ],
      { isolationLevel: 'RepeatableRead' },
    );
    if (!order) throw new NotFoundException(`no order ${orderId}`);
    return toOrderView(order, history);
  }

  private async replay(customerId: string, idempotencyKey: string, requestHash: string): Promise<OrderView | null> {
    const earlier = await this.idempotencyKeys.find(customerId, idempotencyKey);
    if (!earlier) return null;
    if (earlier.requestHash !== requestHash) {
      throw new ConflictException('this Idempotency-Key was already used with a different request body');
    }
    return this.get(earlier.orderId);
  }
}

function hashOf(request: PlaceOrderRequest): string {
  const canonical = {
    customerId: request.customerId,
    items: request.items.map(({ sku, quantity }) => ({ sku, quantity })),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
