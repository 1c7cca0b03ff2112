import type { Type } from '@nestjs/common';
import type { RabbitTopology, RetryPolicy } from '@platform/messaging';
import type { KafkaConfig, ServiceConfig } from './config';
import type { ServiceDatabase } from './service-database';

export interface PlatformOptions {
  /** Short service name: logs, metrics, connection names, database default. */
  readonly service: string;
  readonly config: ServiceConfig & Partial<KafkaConfig>;
  /** The service's Prisma client class; provided by the platform module for the whole app. */
  readonly database: Type<ServiceDatabase>;
  /** Connect to RabbitMQ (publish through the outbox, and consume `rabbitQueues`). */
  readonly rabbitmq: boolean;
  /** Connect to Kafka (publish through the outbox, and consume `kafkaGroup`). Needs KAFKA_* config. */
  readonly kafka: boolean;
  readonly rabbitQueues?: readonly string[];
  /** What to declare on RabbitMQ; the platform's whole topology unless a service adds to it (e.g. its delay queues). */
  readonly rabbitTopology?: RabbitTopology;
  readonly kafkaGroup?: { readonly groupId: string; readonly topics: readonly string[] };
  /**
   * A consumer's own retry policy, by subscription (queue or group), where the default does not
   * suit it: `{ [Queues.notificationSms]: RetryPolicy.intervals(2_000, 10_000, 60_000) }`. The
   * default is RABBITMQ_RETRY_DELAYS_MS for a queue and KAFKA_RETRY_DELAYS_MS for the group.
   */
  readonly retryPolicies?: Readonly<Record<string, RetryPolicy>>;
}

export const PLATFORM_OPTIONS = Symbol('platform-options');
export const PLATFORM_LOGGER = Symbol('platform-logger');

/**
 * Mistakes in the options, said at start-up: a retry policy for a subscription the service does
 * not have; RabbitMQ queues with RabbitMQ off; a queue and a topic of one name (the dead-letter
 * API names either by name).
 */
export function checkedPlatformOptions(options: PlatformOptions): PlatformOptions {
  const { service } = options;
  const queues = options.rabbitQueues ?? [];
  const topics = options.kafkaGroup?.topics ?? [];
  const subscriptions = [...queues, ...(options.kafkaGroup ? [options.kafkaGroup.groupId] : [])];
  for (const subscription of Object.keys(options.retryPolicies ?? {})) {
    if (!subscriptions.includes(subscription)) {
      throw new Error(`a retry policy is declared for '${subscription}', which is not a subscription of the ${service} service`);
    }
  }
  if (!options.rabbitmq && queues.length > 0) throw new Error(`the ${service} service consumes RabbitMQ queues but rabbitmq is off`);
  const shared = queues.find((queue) => topics.includes(queue));
  if (shared) throw new Error(`the ${service} service consumes both a queue and a topic named '${shared}': rename one`);
  return options;
}
