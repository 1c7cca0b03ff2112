import { type DynamicModule, Module } from '@nestjs/common';
import { Queues, rabbitTopology, sagaTimeoutQueue, withDelayQueues } from '@platform/messaging';
import { PlatformModule } from '@platform/service-kit';
import { ORDER_ACTIVITY_GROUP, ORDER_ACTIVITY_TOPICS } from './activity/order-activity.group';
import { OrderActivityHttpController } from './activity/order-activity.http.controller';
import { OrderActivityMessageController } from './activity/order-activity.message.controller';
import { OrderActivityService } from './activity/order-activity.service';
import { ORDER_CONFIG, type OrderConfig } from './order.config';
import { OrderDatabase } from './order.database';
import { OrdersHttpController } from './orders/orders.http.controller';
import { IdempotencyKeys } from './orders/idempotency-keys';
import { OrdersService } from './orders/orders.service';
import { PlaceOrderSagaService } from './place-order-saga/place-order-saga.service';
import { SagaRepliesMessageController } from './place-order-saga/saga-replies.message.controller';
import { SagasAdminController } from './place-order-saga/sagas.admin.controller';
import { RunningSagasGauge } from './place-order-saga/running-sagas.gauge';
import { SagaBrowser } from './place-order-saga/saga-browser';
import { SagaMetrics } from './place-order-saga/saga.metrics';
import { StuckSagasMonitor } from './place-order-saga/stuck-sagas.monitor';

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
          kafkaGroup: { groupId: ORDER_ACTIVITY_GROUP, topics: ORDER_ACTIVITY_TOPICS },
          rabbitTopology: withDelayQueues(rabbitTopology, [
            sagaTimeoutQueue(config.PAYMENT_TIMEOUT_MS, Queues.orderSagaReplies),
          ]),
        }),
      ],
      controllers: [OrdersHttpController, OrderActivityHttpController, SagasAdminController, SagaRepliesMessageController, OrderActivityMessageController],
      providers: [{ provide: ORDER_CONFIG, useValue: config }, OrdersService, IdempotencyKeys, PlaceOrderSagaService, SagaMetrics, RunningSagasGauge, StuckSagasMonitor, SagaBrowser, OrderActivityService],
    };
  }
}
