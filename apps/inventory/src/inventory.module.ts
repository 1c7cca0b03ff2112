import { type DynamicModule, Module } from '@nestjs/common';
import { Queues } from '@platform/messaging';
import { PlatformModule } from '@platform/service-kit';
import { OrderDemandMessageController } from './demand/order-demand.message.controller';
import { ProductDemandService } from './demand/product-demand.service';
import type { InventoryConfig } from './inventory.config';
import { InventoryDatabase } from './inventory.database';
import { ProductsHttpController } from './products/products.http.controller';
import { ProductsService } from './products/products.service';
import { ReservationsMessageController } from './reservations/reservations.message.controller';
import { ReservationsService } from './reservations/reservations.service';
import { StockBook } from './reservations/stock-book';

@Module({})
export class InventoryModule {
  static register(config: InventoryConfig): DynamicModule {
    return {
      module: InventoryModule,
      imports: [
        PlatformModule.forRoot({
          service: 'inventory',
          config,
          database: InventoryDatabase,
          rabbitmq: true,
          kafka: true,
          rabbitQueues: [Queues.inventoryCommands, Queues.inventoryOrderDemand],
        }),
      ],
      controllers: [ProductsHttpController, ReservationsMessageController, OrderDemandMessageController],
      providers: [ProductsService, ReservationsService, StockBook, ProductDemandService],
    };
  }
}
