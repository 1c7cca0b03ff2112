import { Injectable } from '@nestjs/common';
import {
  type PayloadOf,
  type ReserveStock,
  StockCommitted,
  StockReleased,
  StockReservationRejected,
  StockReserved,
} from '@platform/contracts';
import { sql } from '@platform/database';
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

interface HeldLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
  status: 'RESERVED' | 'COMMITTED' | 'RELEASED';
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
    const existing = await this.linesOf(tx, command.orderId);
    if (existing.length > 0) {
      // Asked again with a new message id (not a redelivery). While the stock is held or sold,
      // answer as the first time; once released, the saga has moved on and needs no answer.
      if (existing.some((line) => line.status === 'RELEASED')) return;
      const lines = existing.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents }));
      this.outbox.append(tx, [replyTo(message, StockReserved, { orderId: command.orderId, lines })]);
      return;
    }

    const skus = [...new Set(command.items.map((item) => item.sku))].sort();
    const locked = await tx.query<LockedProduct>(sql`
      SELECT sku, price_cents, available FROM product WHERE sku = ANY(${skus}::text[]) ORDER BY sku FOR UPDATE`);
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
    await this.moveStock(tx, lines, { available: -1, reserved: +1 });
    await tx.execute(sql`
      INSERT INTO reservation (order_id, sku, quantity, unit_price_cents, updated_at)
      SELECT ${command.orderId}, sku, quantity, unit_price_cents, now()
        FROM unnest(${lines.map((line) => line.sku)}::text[], ${lines.map((line) => line.quantity)}::int[],
                    ${lines.map((line) => line.unitPriceCents)}::bigint[]) AS l(sku, quantity, unit_price_cents)`);
    this.outbox.append(tx, [
      replyTo(message, StockReserved, { orderId: command.orderId, lines }),
      eventOnLog(message, StockReserved, { orderId: command.orderId, lines }, Routes.inventoryEventLog(command.orderId)),
    ]);
  }

  /** Compensation: the held units go back to available. A second release finds nothing to do. */
  async release(tx: InventoryTransaction, orderId: string, message: InboundMessage): Promise<void> {
    const held = await this.settle(tx, orderId, 'RELEASED');
    if (held.length === 0) return;
    await this.moveStock(tx, held, { available: +1, reserved: -1 });
    this.logHeldLines(tx, message, StockReleased, orderId, held);
  }

  /** The order completed: the held units leave stock for good. */
  async commit(tx: InventoryTransaction, orderId: string, message: InboundMessage): Promise<void> {
    const held = await this.settle(tx, orderId, 'COMMITTED');
    if (held.length === 0) return;
    await this.moveStock(tx, held, { available: 0, reserved: -1 });
    this.logHeldLines(tx, message, StockCommitted, orderId, held);
  }

  private linesOf(tx: InventoryTransaction, orderId: string): Promise<HeldLine[]> {
    return tx.query<HeldLine>(sql`
      SELECT sku, quantity, unit_price_cents AS "unitPriceCents", status FROM reservation WHERE order_id = ${orderId} ORDER BY sku`);
  }

  /** Moves the order's held lines to their final status and returns them; none when they were settled already. */
  private settle(tx: InventoryTransaction, orderId: string, to: 'RELEASED' | 'COMMITTED'): Promise<{ sku: string; quantity: number }[]> {
    return tx.query<{ sku: string; quantity: number }>(sql`
      WITH settled AS (
        UPDATE reservation SET status = ${to}::reservation_status, updated_at = now()
         WHERE order_id = ${orderId} AND status = 'RESERVED'
        RETURNING sku, quantity)
      SELECT sku, quantity FROM settled ORDER BY sku`);
  }

  /**
   * Adds each line's quantity, times the given signs, to its product's available and reserved
   * units, in one statement. The subquery locks the product rows in sku order before any is
   * updated, as reserve() does, so concurrent orders queue up instead of deadlocking.
   */
  private async moveStock(
    tx: InventoryTransaction,
    lines: readonly { sku: string; quantity: number }[],
    sign: { available: -1 | 0 | 1; reserved: -1 | 1 },
  ): Promise<void> {
    await tx.execute(sql`
      UPDATE product p
         SET available = p.available + ${sign.available}::int * l.quantity,
             reserved = p.reserved + ${sign.reserved}::int * l.quantity,
             updated_at = now()
        FROM (SELECT q.sku, x.quantity
                FROM product q JOIN unnest(${lines.map((line) => line.sku)}::text[], ${lines.map((line) => line.quantity)}::int[]) AS x(sku, quantity)
                  ON x.sku = q.sku
               ORDER BY q.sku
                 FOR UPDATE OF q) AS l
       WHERE p.sku = l.sku`);
  }

  /** Logs what happened to the held lines. */
  private logHeldLines(
    tx: InventoryTransaction,
    message: InboundMessage,
    event: typeof StockReleased | typeof StockCommitted,
    orderId: string,
    held: readonly { sku: string; quantity: number }[],
  ): void {
    const lines = held.map(({ sku, quantity }) => ({ sku, quantity }));
    this.outbox.append(tx, [eventOnLog(message, event, { orderId, lines }, Routes.inventoryEventLog(orderId))]);
  }

  private reject(
    tx: InventoryTransaction,
    message: InboundMessage,
    orderId: string,
    reason: 'UNKNOWN_PRODUCT' | 'OUT_OF_STOCK',
    skus: string[],
  ): void {
    this.outbox.append(tx, [
      replyTo(message, StockReservationRejected, { orderId, reason, skus }),
      eventOnLog(message, StockReservationRejected, { orderId, reason, skus }, Routes.inventoryEventLog(orderId)),
    ]);
  }
}
