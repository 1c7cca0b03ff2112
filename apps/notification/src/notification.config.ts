import { loadConfig, serviceConfigSchema } from '@platform/service-kit';
import type { z } from 'zod';

export const notificationConfigSchema = serviceConfigSchema('notification', 3003);
export type NotificationConfig = z.infer<typeof notificationConfigSchema>;

export const loadNotificationConfig = (env = process.env): NotificationConfig =>
  loadConfig('notification', notificationConfigSchema, env);
