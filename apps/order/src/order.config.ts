import { envInt, kafkaConfigShape, loadConfig, serviceConfigSchema } from '@platform/service-kit';
import type { z } from 'zod';

export const orderConfigSchema = serviceConfigSchema('order', 3000).extend({
  ...kafkaConfigShape,
  /** How long the saga waits for payment's answer before it cancels with PAYMENT_TIMEOUT. */
  PAYMENT_TIMEOUT_MS: envInt(30_000, 100, 24 * 3_600_000),
});
export type OrderConfig = z.infer<typeof orderConfigSchema>;

export const loadOrderConfig = (env = process.env): OrderConfig => loadConfig('order', orderConfigSchema, env);

export const ORDER_CONFIG = Symbol('order-config');
