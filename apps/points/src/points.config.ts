import { kafkaConfigShape, loadConfig, serviceConfigSchema } from '@platform/service-kit';
import type { z } from 'zod';

export const pointsConfigSchema = serviceConfigSchema('points', 3004).extend(kafkaConfigShape);
export type PointsConfig = z.infer<typeof pointsConfigSchema>;

export const loadPointsConfig = (env = process.env): PointsConfig => loadConfig('points', pointsConfigSchema, env);

/** The consumer group whose committed offsets are the projection's position in the order log. */
export const POINTS_CONSUMER_GROUP = 'points';
