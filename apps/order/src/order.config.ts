import { envInt, kafkaConfigShape, loadConfig, serviceConfigSchema } from '@platform/service-kit';
import type { z } from 'zod';

export const orderConfigSchema = serviceConfigSchema('order', 3000).extend({
  ...kafkaConfigShape,
  /** How long the saga waits for payment's answer before it cancels with PAYMENT_TIMEOUT. */
  PAYMENT_TIMEOUT_MS: envInt(30_000, 100, 24 * 3_600_000),
  /**
   * A saga still RUNNING this long after its last step is stuck: it waits for a reply that will
   * not come (dead-lettered, or lost with its queue). It shows in a metric and raises an alert.
   */
  SAGA_STUCK_AFTER_MS: envInt(120_000, 1_000, 7 * 24 * 3_600_000),
  SAGA_STUCK_CHECK_INTERVAL_MS: envInt(10_000, 100, 3_600_000),
  /** How long POST /orders remembers an Idempotency-Key (per customer) for the retries of a request. */
  IDEMPOTENCY_KEY_RETENTION_HOURS: envInt(24, 1, 24 * 365),
});
export type OrderConfig = z.infer<typeof orderConfigSchema>;

export const loadOrderConfig = (env = process.env): OrderConfig => loadConfig('order', orderConfigSchema, env);

export const ORDER_CONFIG = Symbol('order-config');
