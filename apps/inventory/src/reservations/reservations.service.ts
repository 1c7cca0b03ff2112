import { Injectable } from '@nestjs/common';
import {
  type PayloadOf,
  type ReserveStock,
  StockCommitted,
  StockReleased,
  StockReservationRejected,
  StockReserved,
} from '@platform/contracts';
import { type InboundMessage, Routes } from '@platform/messaging';
import { OutboxWriter } from '@platform/outbox';
import { eventOnLog, replyTo } from '@platform/service-kit';
import type { InventoryTransaction } from '../inventory.database';

type ReserveStockCommand = PayloadOf<typeof ReserveStock>;

interface LockedProduct {
  sku: string;
  price_cents: number;
  available: number;
}

/**
 * Holds stock for orders. Every change runs in the caller's transaction, together with the
 * inbox row of the command, the outbox row of the reply and the event on the inventory log.
 */
@Injectable()
export class ReservationsService {
  constructor(private readonly outbox: OutboxWriter) {}

  /**
   * All or nothing: either every line is held at its current price, or nothing is and the reply
   * says why. The product rows are locked in sku order, so concurrent reservations of the same
   * products queue up instead of overselling or deadlocking.
   */
  async reserve(tx: InventoryTransaction, command: ReserveStockCommand, message: InboundMessage): Promise<void> {
    const existing = await tx.reservation.findMany({ where: { orderId: command.orderId }, orderBy: { sku: 'asc' } });
    if (existing.length > 0) {
      // Asked again with a new message id (not a redelivery). While the stock is held or sold,
      // answer as the first time; once released, the saga has moved on and needs no answer.
      if (existing.some((line) => line.status === 'RELEASED')) return;
      return this.outbox.append(tx, [replyTo(message, StockReserved, { orderId: command.orderId, lines: existing })]);
    }

    const skus = [...new Set(command.items.map((item) => item.sku))].sort();
    const locked = await tx.$queryRaw<LockedProduct[]>`
      SELECT sku, price_cents, available FROM product WHERE sku = ANY(${skus}) ORDER BY sku FOR UPDATE`;
    const bySku = new Map(locked.map((product) => [product.sku, product]));

    const unknown = skus.filter((sku) => !bySku.has(sku));
    if (unknown.length > 0) return this.reject(tx, message, command.orderId, 'UNKNOWN_PRODUCT', unknown);
    const short = command.items.filter((item) => bySku.get(item.sku)!.available < item.quantity).map((item) => item.sku);
    if (short.length > 0) return this.reject(tx, message, command.orderId, 'OUT_OF_STOCK', short);

    const lines = command.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPriceCents: bySku.get(item.sku)!.price_cents,
    }));
    for (const line of [...lines].sort((a, b) => a.sku.localeCompare(b.sku))) {
      await tx.product.update({
        where: { sku: line.sku },
        data: { available: { decrement: line.quantity }, reserved: { increment: line.quantity } },
      });
    }
    await tx.reservation.createMany({ data: lines.map((line) => ({ orderId: command.orderId, ...line })) });
    await this.outbox.append(tx, [
      replyTo(message, StockReserved, { orderId: command.orderId, lines }),
      eventOnLog(message, StockReserved, { orderId: command.orderId, lines }, Routes.inventoryEventLog(command.orderId)),
    ]);
  }

  /** Compensation: the held units go back to available. A second release finds nothing to do. */
  async release(tx: InventoryTransaction, orderId: string, message: InboundMessage): Promise<void> {
    // Rows are always touched in sku order, as in reserve(), so concurrent orders cannot deadlock.
    const held = await tx.reservation.findMany({ where: { orderId, status: 'RESERVED' }, orderBy: { sku: 'asc' } });
    for (const line of held) {
      await tx.product.update({
        where: { sku: line.sku },
        data: { available: { increment: line.quantity }, reserved: { decrement: line.quantity } },
      });
    }
    await tx.reservation.updateMany({ where: { orderId, status: 'RESERVED' }, data: { status: 'RELEASED' } });
    await this.logHeldLines(tx, message, StockReleased, orderId, held);
  }

  /** The order completed: the held units leave stock for good. */
  async commit(tx: InventoryTransaction, orderId: string, message: InboundMessage): Promise<void> {
    const held = await tx.reservation.findMany({ where: { orderId, status: 'RESERVED' }, orderBy: { sku: 'asc' } });
    for (const line of held) {
      await tx.product.update({ where: { sku: line.sku }, data: { reserved: { decrement: line.quantity } } });
    }
    await tx.reservation.updateMany({ where: { orderId, status: 'RESERVED' }, data: { status: 'COMMITTED' } });
    await this.logHeldLines(tx, message, StockCommitted, orderId, held);
  }

  /** Logs what happened to the held lines; a repeated command that found none logs nothing. */
  private async logHeldLines(
    tx: InventoryTransaction,
    message: InboundMessage,
    event: typeof StockReleased | typeof StockCommitted,
    orderId: string,
    held: readonly { sku: string; quantity: number }[],
  ): Promise<void> {
    if (held.length === 0) return;
    const lines = held.map(({ sku, quantity }) => ({ sku, quantity }));
    await this.outbox.append(tx, [eventOnLog(message, event, { orderId, lines }, Routes.inventoryEventLog(orderId))]);
  }

  private reject(
    tx: InventoryTransaction,
    message: InboundMessage,
    orderId: string,
    reason: 'UNKNOWN_PRODUCT' | 'OUT_OF_STOCK',
    skus: string[],
  ): Promise<void> {
    return this.outbox.append(tx, [
      replyTo(message, StockReservationRejected, { orderId, reason, skus }),
      eventOnLog(message, StockReservationRejected, { orderId, reason, skus }, Routes.inventoryEventLog(orderId)),
    ]);
  }
}
