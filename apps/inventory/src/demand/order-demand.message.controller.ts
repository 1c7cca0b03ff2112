import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OrderPlaced, type PayloadOf } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { type MessageContext, messageFrom } from '@platform/service-kit';
import type { InventoryTransaction } from '../inventory.database';
import { ProductDemandService } from './product-demand.service';

/** Inventory's copy of the order.placed fanout: demand is counted when an order is placed, before stock decides. */
@Controller()
export class OrderDemandMessageController {
  constructor(private readonly demand: ProductDemandService) {}

  @EventPattern(...messageFrom(Queues.inventoryOrderDemand, OrderPlaced))
  async orderPlaced(@Payload() event: PayloadOf<typeof OrderPlaced>, @Ctx() { tx }: MessageContext<InventoryTransaction>): Promise<void> {
    this.demand.record(tx, event);
  }
}
