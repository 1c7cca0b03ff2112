import { envInt, loadConfig, serviceConfigSchema } from '@platform/service-kit';
import type { z } from 'zod';

export const notificationConfigSchema = serviceConfigSchema('notification', 3003).extend({
  /**
   * How long after an order is placed the customer gets a "taking longer than usual" text if it
   * has not ended. 15 s by default so the flow can be watched locally (orders end in well under
   * a second, the payment timeout is 30 s); hours would suit production.
   */
  ORDER_REMINDER_DELAY_MS: envInt(15_000, 100, 7 * 24 * 3_600_000),
});
export type NotificationConfig = z.infer<typeof notificationConfigSchema>;

export const loadNotificationConfig = (env = process.env): NotificationConfig =>
  loadConfig('notification', notificationConfigSchema, env);
