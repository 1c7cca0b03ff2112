import { type DynamicModule, Module } from '@nestjs/common';
import { orderReminderQueue, Queues, rabbitTopology, withDelayQueues } from '@platform/messaging';
import { PlatformModule } from '@platform/service-kit';
import {
  EmailSenderMessageController,
  SmsSenderMessageController,
  UrgentSenderMessageController,
} from './dispatch/notification-senders.message.controller';
import type { NotificationConfig } from './notification.config';
import { NotificationDatabase } from './notification.database';
import { NotificationsHttpController } from './notifications/notifications.http.controller';
import { NotificationsService } from './notifications/notifications.service';
import { OrderEventsMessageController } from './notifications/order-events.message.controller';
import { OrderPlacedMessageController } from './notifications/order-placed.message.controller';
import { OrderOutcomes } from './reminders/order-outcomes';
import { OrderRemindersMessageController } from './reminders/order-reminders.message.controller';
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
          rabbitQueues: [
            Queues.notificationOrderEvents,
            Queues.notificationOrderPlaced,
            Queues.notificationEmail,
            Queues.notificationSms,
            Queues.notificationUrgent,
          ],
          rabbitTopology: withDelayQueues(rabbitTopology, [orderReminderQueue(config.ORDER_REMINDER_DELAY_MS)]),
        }),
      ],
      controllers: [NotificationsHttpController, OrderEventsMessageController, OrderPlacedMessageController, OrderRemindersMessageController, EmailSenderMessageController, SmsSenderMessageController, UrgentSenderMessageController],
      providers: [NotificationsService, OrderOutcomes, SimulatedNotificationSender],
    };
  }
}
