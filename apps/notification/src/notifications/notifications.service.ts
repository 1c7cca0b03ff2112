import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { NotificationDatabase, type NotificationTransaction } from '../notification.database';
import { type Channel, SimulatedNotificationSender } from '../sending/notification-sender';

export interface NotificationView {
  id: string;
  orderId: string;
  channel: string;
  template: string;
  status: string;
}

export interface NotificationRequest {
  orderId: string;
  customerId: string;
  channel: Channel;
  template: 'order-completed' | 'order-cancelled';
  body: string;
}

@Injectable()
export class NotificationsService {
  constructor(
    private readonly db: NotificationDatabase,
    private readonly sender: SimulatedNotificationSender,
  ) {}

  /** Records and sends one notification; the unique (order, template, channel) keeps it to one. */
  async notify(tx: NotificationTransaction, request: NotificationRequest): Promise<void> {
    const { count } = await tx.notification.createMany({
      data: [{ id: randomUUID(), ...request, status: 'SENT' }],
      skipDuplicates: true,
    });
    if (count === 0) return;
    await this.sender.send({ ...request, to: request.customerId });
  }

  async forOrder(orderId: string): Promise<NotificationView[]> {
    const notifications = await this.db.notification.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
    return notifications.map(({ id, channel, template, status }) => ({ id, orderId, channel, template, status }));
  }
}
