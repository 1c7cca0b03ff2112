import { kafkaConfigShape, loadConfig, serviceConfigSchema } from '@platform/service-kit';
import type { z } from 'zod';

export const orderConfigSchema = serviceConfigSchema('order', 3000).extend(kafkaConfigShape);
export type OrderConfig = z.infer<typeof orderConfigSchema>;

export const loadOrderConfig = (env = process.env): OrderConfig => loadConfig('order', orderConfigSchema, env);
