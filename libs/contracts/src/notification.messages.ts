import { z } from 'zod';
import { customerId, defineMessage, orderId } from './message-contract';

export const NotificationChannel = z.enum(['email', 'sms']);
export type NotificationChannel = z.infer<typeof NotificationChannel>;

export const NotificationPriority = z.enum(['normal', 'high']);
export type NotificationPriority = z.infer<typeof NotificationPriority>;

export const NotificationTemplate = z.enum(['order-received', 'order-completed', 'order-cancelled', 'order-delayed']);
export type NotificationTemplate = z.infer<typeof NotificationTemplate>;

/**
 * Command (to the notification service's own senders): send one notification. Routed by its
 * channel and priority headers, so each sender queue gets only what it is built to send.
 */
export const SendNotification = defineMessage(
  'notification.send',
  1,
  z.object({
    orderId,
    customerId,
    channel: NotificationChannel,
    priority: NotificationPriority,
    template: NotificationTemplate,
    body: z.string().min(1).max(2_000),
  }),
);
