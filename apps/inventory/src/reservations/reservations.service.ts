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
import { StockBook } from './stock-book';

type ReserveStockCommand = PayloadOf<typeof ReserveStock>;

/**
 * Holds stock for orders. Every change runs in the caller's transaction, together with the
 * inbox row of the command, the outbox row of the reply and the event on the inventory log; the
 * stock book reads, locks and writes what a batch of commands needs once (see StockBook).
 */
@Injectable()
export class ReservationsService {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly stock: StockBook,
  ) {}

  /**
   * All or nothing: either every line is held at its current price, or nothing is and the reply
   * says why. The product rows are locked in sku order, so concurrent reservations of the same
   * products queue up instead of overselling or deadlocking.
   */
  async reserve(tx: InventoryTransaction, command: ReserveStockCommand, message: InboundMessage, batch: readonly InboundMessage[]): Promise<void> {
    const skus = [...new Set(command.items.map((item) => item.sku))];
    const book = await this.stock.bookFor(tx, batch, [command.orderId], skus);
    const existing = book.linesOf.get(command.orderId) ?? [];
    if (existing.length > 0) {
      // Asked again with a new message id (not a redelivery). While the stock is held or sold,
      // answer as the first time; once released, the saga has moved on and needs no answer.
      if (existing.some((line) => line.status === 'RELEASED')) return;
      const lines = existing.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents }));
      this.outbox.append(tx, [replyTo(message, StockReserved, { orderId: command.orderId, lines })]);
      return;
    }

    const unknown = skus.filter((sku) => !book.products.has(sku)).sort();
    if (unknown.length > 0) return this.reject(tx, message, command.orderId, 'UNKNOWN_PRODUCT', unknown);
    const wanted = new Map<string, number>();
    for (const item of command.items) wanted.set(item.sku, (wanted.get(item.sku) ?? 0) + item.quantity);
    const short = command.items.filter((item) => book.products.get(item.sku)!.available < wanted.get(item.sku)!).map((item) => item.sku);
    if (short.length > 0) return this.reject(tx, message, command.orderId, 'OUT_OF_STOCK', short);

    const lines = command.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPriceCents: book.products.get(item.sku)!.priceCents,
    }));
    this.stock.hold(book, command.orderId, lines);
    this.outbox.append(tx, [
      replyTo(message, StockReserved, { orderId: command.orderId, lines }),
      eventOnLog(message, StockReserved, { orderId: command.orderId, lines }, Routes.inventoryEventLog(command.orderId)),
    ]);
  }

  /** Compensation: the held units go back to available. A second release finds nothing to do. */
  async release(tx: InventoryTransaction, orderId: string, message: InboundMessage, batch: readonly InboundMessage[]): Promise<void> {
    const held = this.stock.settle(await this.stock.bookFor(tx, batch, [orderId]), orderId, 'RELEASED');
    if (held.length > 0) this.logHeldLines(tx, message, StockReleased, orderId, held);
  }

  /** The order completed: the held units leave stock for good. */
  async commit(tx: InventoryTransaction, orderId: string, message: InboundMessage, batch: readonly InboundMessage[]): Promise<void> {
    const held = this.stock.settle(await this.stock.bookFor(tx, batch, [orderId]), orderId, 'COMMITTED');
    if (held.length > 0) this.logHeldLines(tx, message, StockCommitted, orderId, held);
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
