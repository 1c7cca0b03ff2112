import { type DynamicModule, Module } from '@nestjs/common';
import { Queues } from '@platform/messaging';
import { PlatformModule } from '@platform/service-kit';
import type { OrderConfig } from './order.config';
import { OrderDatabase } from './order.database';
import { OrdersHttpController } from './orders/orders.http.controller';
import { OrdersService } from './orders/orders.service';
import { PlaceOrderSagaService } from './place-order-saga/place-order-saga.service';
import { SagaRepliesMessageController } from './place-order-saga/saga-replies.message.controller';

@Module({})
export class OrderModule {
  static register(config: OrderConfig): DynamicModule {
    return {
      module: OrderModule,
      imports: [
        PlatformModule.forRoot({
          service: 'order',
          config,
          database: OrderDatabase,
          rabbitmq: true,
          kafka: true,
          rabbitQueues: [Queues.orderSagaReplies],
        }),
      ],
      controllers: [OrdersHttpController],
      providers: [OrdersService, PlaceOrderSagaService, SagaRepliesMessageController],
    };
  }
}
