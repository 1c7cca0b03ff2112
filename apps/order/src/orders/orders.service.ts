import { createHash, randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { OrderPlaced } from '@platform/contracts';
import { Routes } from '@platform/messaging';
import { outgoing, OutboxWriter } from '@platform/outbox';
import { PLATFORM_LOGGER } from '@platform/service-kit';
import type { Logger } from 'pino';
import { isUniqueViolation, OrderDatabase } from '../order.database';
import { PlaceOrderSagaService } from '../place-order-saga/place-order-saga.service';
import { toOrderView, type OrderView } from './order.view';
import type { PlaceOrderRequest } from './place-order.request';

@Injectable()
export class OrdersService {
  constructor(
    private readonly db: OrderDatabase,
    private readonly saga: PlaceOrderSagaService,
    private readonly outbox: OutboxWriter,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Stores the order, its saga, the saga's first command and order.placed (on the log and the broadcast) in one
   * transaction: the order exists if and only if its saga will run and the world hears of it. With an Idempotency-Key, a repeated request gets
   * the order the first one created, and the same key with another body is refused.
   */
  async place(request: PlaceOrderRequest, idempotencyKey?: string): Promise<OrderView> {
    const requestHash = hashOf(request);
    if (idempotencyKey) {
      const earlier = await this.replay(idempotencyKey, requestHash);
      if (earlier) return earlier;
    }
    const orderId = randomUUID();
    try {
      await this.db.$transaction(async (tx) => {
        if (idempotencyKey) await tx.idempotencyKey.create({ data: { key: idempotencyKey, requestHash, orderId } });
        await tx.order.create({ data: { id: orderId, customerId: request.customerId, items: request.items } });
        await this.saga.start(tx, { orderId, customerId: request.customerId, items: request.items });
        const placed = { orderId, customerId: request.customerId, items: request.items };
        await this.outbox.append(tx, [
          outgoing(OrderPlaced, placed, { correlationId: orderId, destination: Routes.orderEventLog(orderId) }),
          outgoing(OrderPlaced, placed, { correlationId: orderId, destination: Routes.orderPlacedBroadcast() }),
        ]);
      });
    } catch (error) {
      // Two requests with the same new key raced; the other one won, so answer with its order.
      if (idempotencyKey && isUniqueViolation(error)) {
        const earlier = await this.replay(idempotencyKey, requestHash);
        if (earlier) return earlier;
      }
      throw error;
    }
    this.logger.info({ orderId, customerId: request.customerId, lines: request.items.length }, 'order placed');
    return this.get(orderId);
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

  private async replay(idempotencyKey: string, requestHash: string): Promise<OrderView | null> {
    const earlier = await this.db.idempotencyKey.findUnique({ where: { key: idempotencyKey } });
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
