import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type PayloadOf, SendNotification } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { type MessageContext, messageFrom } from '@platform/service-kit';
import type { NotificationTransaction } from '../notification.database';
import { NotificationsService } from '../notifications/notifications.service';

type Request = PayloadOf<typeof SendNotification>;
type Context = MessageContext<NotificationTransaction>;

/*
 * One consumer per sender queue of the notification.dispatch headers exchange. The exchange
 * decides which queue gets a request from its channel and priority headers; each queue has the
 * prefetch its gateway suits (see the topology).
 */

@Controller()
export class EmailSenderMessageController {
  constructor(private readonly notifications: NotificationsService) {}

  @EventPattern(...messageFrom(Queues.notificationEmail, SendNotification))
  send(@Payload() request: Request, @Ctx() { tx, batch }: Context): Promise<void> {
    return this.notifications.send(tx, request, Queues.notificationEmail, batch);
  }
}

@Controller()
export class SmsSenderMessageController {
  constructor(private readonly notifications: NotificationsService) {}

  @EventPattern(...messageFrom(Queues.notificationSms, SendNotification))
  send(@Payload() request: Request, @Ctx() { tx, batch }: Context): Promise<void> {
    return this.notifications.send(tx, request, Queues.notificationSms, batch);
  }
}

/** High priority, whatever the channel: its own queue, so it never waits behind routine mail. */
@Controller()
export class UrgentSenderMessageController {
  constructor(private readonly notifications: NotificationsService) {}

  @EventPattern(...messageFrom(Queues.notificationUrgent, SendNotification))
  send(@Payload() request: Request, @Ctx() { tx, batch }: Context): Promise<void> {
    return this.notifications.send(tx, request, Queues.notificationUrgent, batch);
  }
}
