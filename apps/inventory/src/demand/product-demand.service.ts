import { Injectable } from '@nestjs/common';
import type { OrderPlaced, PayloadOf } from '@platform/contracts';
import { exactInteger, RowsAtCommit, sql } from '@platform/database';
import { InventoryDatabase, type InventoryTransaction } from '../inventory.database';

export interface ProductDemandView {
  sku: string;
  ordersPlaced: number;
  unitsRequested: number;
}

/** How much of each product customers asked for, served or not. */
@Injectable()
export class ProductDemandService {
  constructor(private readonly db: InventoryDatabase) {}

  /**
   * The lines of a whole batch of orders, summed per sku, in one statement at commit. Rows are
   * inserted or locked in sku order, like reservations, so two batches for the same products
   * cannot deadlock.
   */
  private readonly requested = new RowsAtCommit<{ sku: string; quantity: number }>((tx, lines) =>
    tx
      .execute(
        sql`
      INSERT INTO product_demand (sku, orders_placed, units_requested, updated_at)
      SELECT sku, count(*), sum(quantity), now()
        FROM unnest(${lines.map((line) => line.sku)}::text[], ${lines.map((line) => line.quantity)}::int[]) AS l(sku, quantity)
       GROUP BY sku
       ORDER BY sku
      ON CONFLICT (sku) DO UPDATE
         SET orders_placed = product_demand.orders_placed + excluded.orders_placed,
             units_requested = product_demand.units_requested + excluded.units_requested,
             updated_at = now()`,
      )
      .then(() => undefined),
  );

  /** One line per sku of the order, so the order counts once for each product it asks for. */
  record(tx: InventoryTransaction, order: PayloadOf<typeof OrderPlaced>): void {
    const perSku = new Map<string, number>();
    for (const { sku, quantity } of order.items) perSku.set(sku, (perSku.get(sku) ?? 0) + quantity);
    this.requested.add(tx, [...perSku].map(([sku, quantity]) => ({ sku, quantity })));
  }

  async of(sku: string): Promise<ProductDemandView> {
    const demand = await this.db.productDemand.findUnique({ where: { sku } });
    return { sku, ordersPlaced: exactInteger(demand?.ordersPlaced ?? 0), unitsRequested: exactInteger(demand?.unitsRequested ?? 0) };
  }
}
