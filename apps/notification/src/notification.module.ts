import { type DynamicModule, Module } from '@nestjs/common';
import { Queues } from '@platform/messaging';
import { PlatformModule } from '@platform/service-kit';
import type { NotificationConfig } from './notification.config';
import { NotificationDatabase } from './notification.database';
import { NotificationsHttpController } from './notifications/notifications.http.controller';
import { NotificationsService } from './notifications/notifications.service';
import { OrderEventsMessageController } from './notifications/order-events.message.controller';
import { SimulatedNotificationSender } from './sending/notification-sender';

@Module({})
export class NotificationModule {
  static register(config: NotificationConfig): DynamicModule {
    return {
      module: NotificationModule,
      imports: [
        PlatformModule.forRoot({
          service: 'notification',
          config,
          database: NotificationDatabase,
          rabbitmq: true,
          kafka: false,
          rabbitQueues: [Queues.notificationOrderEvents],
        }),
      ],
      controllers: [NotificationsHttpController],
      providers: [NotificationsService, SimulatedNotificationSender, OrderEventsMessageController],
    };
  }
}
