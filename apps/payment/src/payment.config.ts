import { kafkaConfigShape, loadConfig, serviceConfigSchema } from '@platform/service-kit';
import type { z } from 'zod';

export const paymentConfigSchema = serviceConfigSchema('payment', 3002).extend(kafkaConfigShape);
export type PaymentConfig = z.infer<typeof paymentConfigSchema>;

export const loadPaymentConfig = (env = process.env): PaymentConfig => loadConfig('payment', paymentConfigSchema, env);
