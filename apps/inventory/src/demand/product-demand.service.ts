import { Injectable } from '@nestjs/common';
import type { OrderPlaced, PayloadOf } from '@platform/contracts';
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

  /** Rows are touched in sku order, like reservations, so two orders for the same products cannot deadlock. */
  async record(tx: InventoryTransaction, order: PayloadOf<typeof OrderPlaced>): Promise<void> {
    for (const { sku, quantity } of [...order.items].sort((a, b) => a.sku.localeCompare(b.sku))) {
      await tx.productDemand.upsert({
        where: { sku },
        create: { sku, ordersPlaced: 1, unitsRequested: quantity },
        update: { ordersPlaced: { increment: 1 }, unitsRequested: { increment: quantity } },
      });
    }
  }

  async of(sku: string): Promise<ProductDemandView> {
    const demand = await this.db.productDemand.findUnique({ where: { sku } });
    return { sku, ordersPlaced: demand?.ordersPlaced ?? 0, unitsRequested: demand?.unitsRequested ?? 0 };
  }
}
