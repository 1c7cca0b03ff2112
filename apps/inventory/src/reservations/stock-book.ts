import { Injectable } from '@nestjs/common';
import { CommitStock, ReleaseStock, ReserveStock } from '@platform/contracts';
import { sql, StateAtCommit } from '@platform/database';
import type { InboundMessage } from '@platform/messaging';
import type { InventoryTransaction } from '../inventory.database';

export type LineStatus = 'RESERVED' | 'COMMITTED' | 'RELEASED';

export interface HeldLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  status: LineStatus;
}

export interface StockedProduct {
  readonly sku: string;
  readonly priceCents: number;
  available: number;
  reserved: number;
}

/** What one transaction has read, locked and changed; written back once, at commit. */
export class OpenBook {
  readonly products = new Map<string, StockedProduct>();
  readonly linesOf = new Map<string, HeldLine[]>();
  readonly newLines: { orderId: string; line: HeldLine }[] = [];
  readonly settled = new Map<string, 'RELEASED' | 'COMMITTED'>();
  readonly changedSkus = new Set<string>();
}

/**
 * The stock and reservations a batch of inventory commands works on. The first command of a
 * transaction reads and locks what the whole batch needs in two statements: the reservation lines
 * of every order it names, then every product involved, in sku order (the lock order all batches
 * share, so they queue up instead of deadlocking). The commands then work in memory, in batch
 * order, and the changes join the transaction's writes at commit: with its outbox rows, one
 * statement, or two when the batch also settles lines. Before, each command cost four or two
 * statements: at 150 orders/s a batch holds tens of commands.
 */
@Injectable()
export class StockBook {
  private readonly open = new StateAtCommit<OpenBook>(() => new OpenBook(), (tx, book) => this.write(tx, book));

  /**
   * The book of this transaction, with the reservation lines of `orderIds` and the products of
   * `skus` read and locked; on the first call, those of every command in `batch` too.
   */
  async bookFor(tx: InventoryTransaction, batch: readonly InboundMessage[], orderIds: readonly string[], skus: readonly string[] = []): Promise<OpenBook> {
    const { state: book, created } = this.open.of(tx);
    const wanted = { orderIds: [...orderIds], skus: [...skus] };
    if (created) {
      const named = namedBy(batch);
      wanted.orderIds.push(...named.orderIds);
      wanted.skus.push(...named.skus);
    }
    const settling = await this.lockLines(tx, book, wanted.orderIds);
    // One lock statement for every product, in sku order: a settle moves the units of its lines' products.
    await this.lockProducts(tx, book, [...wanted.skus, ...settling]);
    return book;
  }

  /** Reads and locks the lines of the orders not read yet; returns the skus of those still held. */
  private async lockLines(tx: InventoryTransaction, book: OpenBook, orderIds: readonly string[]): Promise<string[]> {
    const missing = [...new Set(orderIds)].filter((orderId) => !book.linesOf.has(orderId)).sort();
    if (missing.length === 0) return [];
    const rows = await tx.query<{ order_id: string; sku: string; quantity: number; unit_price_cents: number; status: LineStatus }>(sql`
      SELECT order_id, sku, quantity, unit_price_cents, status FROM reservation
       WHERE order_id = ANY(${missing}::text[]) ORDER BY order_id, sku FOR UPDATE`);
    for (const orderId of missing) book.linesOf.set(orderId, []);
    for (const row of rows) {
      book.linesOf.get(row.order_id)!.push({ sku: row.sku, quantity: row.quantity, unitPriceCents: row.unit_price_cents, status: row.status });
    }
    return rows.filter((row) => row.status === 'RESERVED').map((row) => row.sku);
  }

  private async lockProducts(tx: InventoryTransaction, book: OpenBook, skus: readonly string[]): Promise<void> {
    const missing = [...new Set(skus)].filter((sku) => !book.products.has(sku)).sort();
    if (missing.length === 0) return;
    const rows = await tx.query<{ sku: string; price_cents: number; available: number; reserved: number }>(sql`
      SELECT sku, price_cents, available, reserved FROM product WHERE sku = ANY(${missing}::text[]) ORDER BY sku FOR UPDATE`);
    for (const row of rows) {
      book.products.set(row.sku, { sku: row.sku, priceCents: row.price_cents, available: row.available, reserved: row.reserved });
    }
  }

  /** Holds the lines: each product's available units go down and its reserved units up. */
  hold(book: OpenBook, orderId: string, lines: readonly Omit<HeldLine, 'status'>[]): void {
    const held = lines.map((line) => ({ ...line, status: 'RESERVED' as const }));
    book.linesOf.set(orderId, held);
    for (const line of held) {
      book.newLines.push({ orderId, line });
      this.move(book, line.sku, -line.quantity, +line.quantity);
    }
  }

  /** Moves the order's held lines to `to` and returns them; none when they were settled already. */
  settle(book: OpenBook, orderId: string, to: 'RELEASED' | 'COMMITTED'): HeldLine[] {
    const held = (book.linesOf.get(orderId) ?? []).filter((line) => line.status === 'RESERVED');
    for (const line of held) {
      line.status = to;
      this.move(book, line.sku, to === 'RELEASED' ? +line.quantity : 0, -line.quantity);
    }
    if (held.length > 0) book.settled.set(orderId, to);
    return held;
  }

  private move(book: OpenBook, sku: string, available: number, reserved: number): void {
    const product = book.products.get(sku)!;
    product.available += available;
    product.reserved += reserved;
    book.changedSkus.add(sku);
  }

  /** The book's changes join the transaction's other writes at commit (its outbox rows): one statement, one round trip. */
  private async write(tx: InventoryTransaction, book: OpenBook): Promise<void> {
    if (book.newLines.length > 0) {
      const { newLines } = book;
      tx.writeAtCommit(() => ({
        table: 'reservation',
        statement: sql`
        INSERT INTO reservation (order_id, sku, quantity, unit_price_cents, updated_at)
        SELECT order_id, sku, quantity, unit_price_cents, now()
          FROM unnest(${newLines.map(({ orderId }) => orderId)}::text[], ${newLines.map(({ line }) => line.sku)}::text[],
                      ${newLines.map(({ line }) => line.quantity)}::int[], ${newLines.map(({ line }) => line.unitPriceCents)}::bigint[])
            AS l(order_id, sku, quantity, unit_price_cents)`,
      }));
    }
    if (book.settled.size > 0) {
      // Another write of the table: it goes in a statement after the INSERT's, so it sees the lines a batch held and settled.
      tx.writeAtCommit(() => ({
        table: 'reservation',
        statement: sql`
        UPDATE reservation r SET status = s.status::reservation_status, updated_at = now()
          FROM unnest(${[...book.settled.keys()]}::text[], ${[...book.settled.values()]}::text[]) AS s(order_id, status)
         WHERE r.order_id = s.order_id AND r.status = 'RESERVED'`,
      }));
    }
    if (book.changedSkus.size > 0) {
      const products = [...book.changedSkus].map((sku) => book.products.get(sku)!);
      // The rows are locked since the book was opened, so the new values are set, not added.
      tx.writeAtCommit(() => ({
        table: 'product',
        statement: sql`
        UPDATE product p SET available = s.available, reserved = s.reserved, updated_at = now()
          FROM unnest(${products.map(({ sku }) => sku)}::text[], ${products.map(({ available }) => available)}::bigint[],
                      ${products.map(({ reserved }) => reserved)}::bigint[]) AS s(sku, available, reserved)
         WHERE p.sku = s.sku`,
      }));
    }
  }
}

/** The orders and skus the commands of a batch name; a payload that breaks its contract names none (its handler rejects it). */
function namedBy(batch: readonly InboundMessage[]): { orderIds: string[]; skus: string[] } {
  const orderIds: string[] = [];
  const skus: string[] = [];
  for (const message of batch) {
    if (message.type === ReserveStock.type) {
      const command = ReserveStock.schema.safeParse(message.payload);
      if (!command.success) continue;
      orderIds.push(command.data.orderId);
      skus.push(...command.data.items.map((item) => item.sku));
    } else if (message.type === ReleaseStock.type || message.type === CommitStock.type) {
      const command = (message.type === ReleaseStock.type ? ReleaseStock : CommitStock).schema.safeParse(message.payload);
      if (command.success) orderIds.push(command.data.orderId);
    }
  }
  return { orderIds, skus };
}
