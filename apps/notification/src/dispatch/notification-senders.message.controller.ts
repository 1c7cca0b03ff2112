import { type PayloadOf, SendNotification } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { MessageConsumer, type MessageContext, OnMessage } from '@platform/service-kit';
import type { NotificationTransaction } from '../notification.database';
import { NotificationsService } from '../notifications/notifications.service';

type Request = PayloadOf<typeof SendNotification>;
type Context = MessageContext<NotificationTransaction>;

/*
 * One consumer per sender queue of the notification.dispatch headers exchange. The exchange
 * decides which queue gets a request from its channel and priority headers; each queue has the
 * prefetch its gateway suits (see the topology).
 */

@MessageConsumer(Queues.notificationEmail)
export class EmailSenderMessageController {
  constructor(private readonly notifications: NotificationsService) {}

  @OnMessage(SendNotification)
  send(request: Request, { tx, batch }: Context): Promise<void> {
    return this.notifications.send(tx, request, Queues.notificationEmail, batch);
  }
}

@MessageConsumer(Queues.notificationSms)
export class SmsSenderMessageController {
  constructor(private readonly notifications: NotificationsService) {}

  @OnMessage(SendNotification)
  send(request: Request, { tx, batch }: Context): Promise<void> {
    return this.notifications.send(tx, request, Queues.notificationSms, batch);
  }
}

/** High priority, whatever the channel: its own queue, so it never waits behind routine mail. */
@MessageConsumer(Queues.notificationUrgent)
export class UrgentSenderMessageController {
  constructor(private readonly notifications: NotificationsService) {}

  @OnMessage(SendNotification)
  send(request: Request, { tx, batch }: Context): Promise<void> {
    return this.notifications.send(tx, request, Queues.notificationUrgent, batch);
  }
}
