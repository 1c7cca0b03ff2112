import { kafkaConfigShape, loadConfig, serviceConfigSchema } from '@platform/service-kit';
import type { z } from 'zod';

export const inventoryConfigSchema = serviceConfigSchema('inventory', 3001).extend(kafkaConfigShape);
export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;

export const loadInventoryConfig = (env = process.env): InventoryConfig =>
  loadConfig('inventory', inventoryConfigSchema, env);
