import { rabbitTopology } from '@platform/messaging';
import { kafkaConfigShape, loadConfig, serviceConfigSchema } from '@platform/service-kit';

/**
 * What the services under test are configured with, read by their own schema from the variables
 * they were started with: the e2e stack's, which the global setup puts in process.env, or, with
 * `npm start`'s platform, the shell's both were started from. Tests compare with these, never with
 * a default copied by hand.
 */
export const configured = loadConfig(
  'e2e',
  serviceConfigSchema('e2e', 3000)
    .pick({ RABBITMQ_RETRY_DELAYS_MS: true, RABBITMQ_PREFETCH_PER_QUEUE: true })
    .extend({ KAFKA_TOPIC_PARTITIONS: kafkaConfigShape.KAFKA_TOPIC_PARTITIONS }),
  process.env,
);

/** Tries a RabbitMQ consumer gives a failing message before dead-lettering it: the first, and one per retry delay. */
export const rabbitAttempts = configured.RABBITMQ_RETRY_DELAYS_MS.length + 1;

/** A queue's consumer window: RABBITMQ_PREFETCH_PER_QUEUE's, or the topology's. */
export function prefetchOf(queue: string): number {
  const declared = rabbitTopology.queues.find(({ name }) => name === queue);
  if (!declared) throw new Error(`the topology declares no queue ${queue}`);
  return configured.RABBITMQ_PREFETCH_PER_QUEUE[queue] ?? declared.prefetch;
}
