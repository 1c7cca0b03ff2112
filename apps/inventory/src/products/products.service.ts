import { Injectable, NotFoundException } from '@nestjs/common';
import { exactInteger } from '@platform/database';
import type { Product } from '../generated/prisma/client';
import { InventoryDatabase } from '../inventory.database';
import type { PutProductRequest } from './product.request';

export interface ProductView {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
}

@Injectable()
export class ProductsService {
  constructor(private readonly db: InventoryDatabase) {}

  /** Creates or updates a product; `stock` becomes the quantity available for new reservations. */
  async put(sku: string, request: PutProductRequest): Promise<ProductView> {
    const product = await this.db.product.upsert({
      where: { sku },
      create: { sku, name: request.name ?? sku, priceCents: request.priceCents, available: request.stock },
      update: { name: request.name, priceCents: request.priceCents, available: request.stock },
    });
    return toView(product);
  }

  async get(sku: string): Promise<ProductView> {
    const product = await this.db.product.findUnique({ where: { sku } });
    if (!product) throw new NotFoundException(`no product ${sku}`);
    return toView(product);
  }
}

function toView({ sku, name, priceCents, available, reserved }: Product): ProductView {
  return { sku, name, priceCents: exactInteger(priceCents), available: exactInteger(available), reserved: exactInteger(reserved) };
}
