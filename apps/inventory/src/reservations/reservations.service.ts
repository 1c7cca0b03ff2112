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
import { noReply, type ParticipantOutcome, withFailure, withSuccess } from '@platform/service-kit';
import type { InventoryTransaction } from '../inventory.database';
import { StockBook } from './stock-book';

type ReserveStockCommand = PayloadOf<typeof ReserveStock>;

/**
 * Holds stock for orders. Every change runs in the caller's transaction, together with the
 * inbox row of the command; the outcome each method returns (the reply and the event on the
 * inventory log) is written to the outbox in that transaction too. The stock book reads, locks
 * and writes what a batch of commands needs once (see StockBook).
 */
@Injectable()
export class ReservationsService {
  constructor(private readonly stock: StockBook) {}

  /**
   * All or nothing: either every line is held at its current price, or nothing is and the reply
   * says why. The product rows are locked in sku order, so concurrent reservations of the same
   * products queue up instead of overselling or deadlocking.
   */
  async reserve(tx: InventoryTransaction, command: ReserveStockCommand, batch: readonly InboundMessage[]): Promise<ParticipantOutcome> {
    const { orderId } = command;
    const skus = [...new Set(command.items.map((item) => item.sku))];
    const book = await this.stock.bookFor(tx, batch, [orderId], skus);
    const existing = book.linesOf.get(orderId) ?? [];
    if (existing.length > 0) {
      // Asked again with a new message id (not a redelivery). While the stock is held or sold,
      // answer as the first time; once released, the saga has moved on and needs no answer.
      if (existing.some((line) => line.status === 'RELEASED')) return noReply();
      const lines = existing.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents }));
      return withSuccess(StockReserved, { orderId, lines });
    }

    const unknown = skus.filter((sku) => !book.products.has(sku)).sort();
    if (unknown.length > 0) return rejected(orderId, 'UNKNOWN_PRODUCT', unknown);
    const wanted = new Map<string, number>();
    for (const item of command.items) wanted.set(item.sku, (wanted.get(item.sku) ?? 0) + item.quantity);
    const short = command.items.filter((item) => book.products.get(item.sku)!.available < wanted.get(item.sku)!).map((item) => item.sku);
    if (short.length > 0) return rejected(orderId, 'OUT_OF_STOCK', short);

    const lines = command.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPriceCents: book.products.get(item.sku)!.priceCents,
    }));
    this.stock.hold(book, orderId, lines);
    return withSuccess(StockReserved, { orderId, lines }).andLogged(Routes.inventoryEventLog(orderId));
  }

  /** Compensation: the held units go back to available. A second release finds nothing to do. */
  async release(tx: InventoryTransaction, orderId: string, batch: readonly InboundMessage[]): Promise<ParticipantOutcome> {
    const held = this.stock.settle(await this.stock.bookFor(tx, batch, [orderId]), orderId, 'RELEASED');
    return held.length > 0 ? noReply().andEvent(StockReleased, { orderId, lines: linesOf(held) }, Routes.inventoryEventLog(orderId)) : noReply();
  }

  /** The order completed: the held units leave stock for good. */
  async commit(tx: InventoryTransaction, orderId: string, batch: readonly InboundMessage[]): Promise<ParticipantOutcome> {
    const held = this.stock.settle(await this.stock.bookFor(tx, batch, [orderId]), orderId, 'COMMITTED');
    return held.length > 0 ? noReply().andEvent(StockCommitted, { orderId, lines: linesOf(held) }, Routes.inventoryEventLog(orderId)) : noReply();
  }
}

function rejected(orderId: string, reason: 'UNKNOWN_PRODUCT' | 'OUT_OF_STOCK', skus: string[]): ParticipantOutcome {
  return withFailure(StockReservationRejected, { orderId, reason, skus }).andLogged(Routes.inventoryEventLog(orderId));
}

const linesOf = (held: readonly { sku: string; quantity: number }[]) => held.map(({ sku, quantity }) => ({ sku, quantity }));
