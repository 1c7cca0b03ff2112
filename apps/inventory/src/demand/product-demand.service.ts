import { Injectable } from '@nestjs/common';
import type { OrderPlaced, PayloadOf } from '@platform/contracts';
import { exactInteger, sql } from '@platform/database';
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
   * One statement for every line; rows are inserted or locked in sku order, like reservations, so
   * two orders for the same products cannot deadlock. An order naming a sku twice is refused by
   * the contract, so no row is touched twice.
   */
  async record(tx: InventoryTransaction, order: PayloadOf<typeof OrderPlaced>): Promise<void> {
    const lines = [...order.items].sort((a, b) => a.sku.localeCompare(b.sku));
    await tx.execute(sql`
      INSERT INTO product_demand (sku, orders_placed, units_requested, updated_at)
      SELECT sku, 1, quantity, now()
        FROM unnest(${lines.map((line) => line.sku)}::text[], ${lines.map((line) => line.quantity)}::int[]) WITH ORDINALITY AS l(sku, quantity, position)
       ORDER BY position
      ON CONFLICT (sku) DO UPDATE
         SET orders_placed = product_demand.orders_placed + 1,
             units_requested = product_demand.units_requested + excluded.units_requested,
             updated_at = now()`);
  }

  async of(sku: string): Promise<ProductDemandView> {
    const demand = await this.db.productDemand.findUnique({ where: { sku } });
    return { sku, ordersPlaced: exactInteger(demand?.ordersPlaced ?? 0), unitsRequested: exactInteger(demand?.unitsRequested ?? 0) };
  }
}
