import { OrderPlaced, type PayloadOf } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { MessageConsumer, type MessageContext, OnMessage } from '@platform/service-kit';
import type { InventoryTransaction } from '../inventory.database';
import { ProductDemandService } from './product-demand.service';

/** Inventory's copy of the order.placed fanout: demand is counted when an order is placed, before stock decides. */
@MessageConsumer(Queues.inventoryOrderDemand)
export class OrderDemandMessageController {
  constructor(private readonly demand: ProductDemandService) {}

  @OnMessage(OrderPlaced)
  async orderPlaced(event: PayloadOf<typeof OrderPlaced>, { tx }: MessageContext<InventoryTransaction>): Promise<void> {
    this.demand.record(tx, event);
  }
}
