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
export * from './dead-letters';
export * from './rabbitmq/dead-letter-queues';
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
  DeadLetterReadBusyError,
  DeadLetterTopics,
  REDRIVEN_FOR_GROUP_HEADER,
  REDRIVEN_FROM_HEADER,
  redriveGroupOf,
  type DeadLetterTopicsOptions,
} from './kafka/dead-letter-topics';
export { InvalidResetError, resetConsumerGroup, ResetRefusedError, type ResetFrom, type TopicPartitionOffset } from './kafka/consumer-group-reset';
export * from './batch-attempts';
export * from './retry-policy';
