import { KafkaTopics } from '@platform/messaging';

/** The order-activity consumer group and the logs it reads. */
export const ORDER_ACTIVITY_GROUP = 'order-activity';
export const ORDER_ACTIVITY_TOPICS = [KafkaTopics.orders, KafkaTopics.payments, KafkaTopics.inventory];
