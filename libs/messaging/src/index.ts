export * from './errors';
export * from './message';
export * from './message-handlers';
export * from './publisher';
export * from './topology';
export * from './rabbitmq/rabbit-connection';
export * from './rabbitmq/rabbit-publisher';
export * from './rabbitmq/rabbit-consumer';
export * from './rabbitmq/rabbit-topology';
export { createKafka, ensureTopics, type KafkaClientOptions } from './kafka/kafka-client';
export * from './kafka/kafka-publisher';
export { KafkaSubscription, type KafkaSubscriptionOptions } from './kafka/kafka-consumer';
export * from './transient-errors';
export * from './rabbitmq/dead-letter-admin';
export { readConsumerLag, summarizeLag, type PartitionLag, type GroupLagTotal, type TopicLagTotal } from './kafka/consumer-lag';
export {
  ConsumerLagMonitor,
  LagAlertState,
  LoggingLagAlertSink,
  type ConsumerLagMonitorOptions,
  type GroupLagStatus,
  type LagAlert,
  type LagAlertChanges,
  type LagAlertSink,
  type LagSnapshot,
  type WatchedGroup,
} from './kafka/lag-monitor';
export {
  DeadLetterHeaders,
  DeadLetterReadBusyError,
  DeadLetterTopicAdmin,
  REDRIVEN_FOR_GROUP_HEADER,
  REDRIVEN_FROM_HEADER,
  redriveGroupOf,
  type DeadLetterTopicAdminOptions,
  type KafkaDeadLetter,
} from './kafka/dead-letter-topic-admin';
export { InvalidResetError, resetConsumerGroup, ResetRefusedError, type ResetFrom, type TopicPartitionOffset } from './kafka/consumer-group-reset';
export * from './batch-attempts';
export * from './retry-policy';
