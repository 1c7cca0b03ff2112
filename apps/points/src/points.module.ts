import { type DynamicModule, Module } from '@nestjs/common';
import { KafkaTopics } from '@platform/messaging';
import { PlatformModule } from '@platform/service-kit';
import { OrderEventsMessageController } from './balances/order-events.message.controller';
import { PointsHttpController } from './balances/points.http.controller';
import { PointsService } from './balances/points.service';
import { PointsProjection } from './projection/points-projection';
import { PointsProjectionAdminController } from './projection/points-projection.admin.controller';
import { POINTS_CONSUMER_GROUP, type PointsConfig } from './points.config';
import { PointsDatabase } from './points.database';

@Module({})
export class PointsModule {
  static register(config: PointsConfig): DynamicModule {
    return {
      module: PointsModule,
      imports: [
        PlatformModule.forRoot({
          service: 'points',
          config,
          database: PointsDatabase,
          rabbitmq: false,
          kafka: true,
          kafkaGroup: { groupId: POINTS_CONSUMER_GROUP, topics: [KafkaTopics.orders] },
        }),
      ],
      controllers: [PointsHttpController, PointsProjectionAdminController, OrderEventsMessageController],
      providers: [PointsService, PointsProjection],
    };
  }
}
