import type { MessageContract } from '@platform/contracts';
import type { Destination } from './message';

/**
 * The whole messaging topology of the platform, declared in one place. Every service declares
 * all of it when it connects (declarations are idempotent), so a publisher never finds its
 * target missing because the consuming service has not started yet. Delay queues depend on a
 * service's configuration, so the service that owns them adds them (see withDelayQueues).
 */

export const Exchanges = {
  /** direct: saga commands, routed by command type to the participant that owns it. */
  sagaCommands: 'saga.commands',
  /** direct: saga replies, routed to the reply queue the command named in reply-to. */
  sagaReplies: 'saga.replies',
  /** topic: order integration events (order.completed, order.cancelled) for whoever binds a pattern. */
  orderEvents: 'order.events',
  /** direct: where a work queue's rejected messages go, routed by the queue's name. */
  deadLetters: 'dead-letters',
  /** direct: saga deadlines, routed to the delay queue of their duration (`after-<ms>ms`). */
  sagaTimeouts: 'saga.timeouts',
} as const;

export const Queues = {
  inventoryCommands: 'inventory.commands',
  paymentCommands: 'payment.commands',
  orderSagaReplies: 'order.saga-replies',
  notificationOrderEvents: 'notification.order-events',
} as const;

export const KafkaTopics = {
  /** The order event log, keyed by order id: one order's events stay in one partition, in order. */
  orders: 'orders',
} as const;

export type ExchangeType = 'direct' | 'topic' | 'fanout' | 'headers';

export interface ExchangeSpec {
  readonly name: string;
  readonly type: ExchangeType;
}

export interface BindingSpec {
  readonly exchange: string;
  readonly routingKey: string;
}

export interface QueueSpec {
  readonly name: string;
  readonly bindings: readonly BindingSpec[];
  /** Deliveries before the broker dead-letters a message that keeps failing. */
  readonly deliveryLimit: number;
}

/**
 * A queue that holds every message for the same time, then dead-letters it to its destination:
 * a delayed message without the delayed-message plugin. One queue per delay, because RabbitMQ
 * expires messages only at the head of a queue; when all share one TTL the head is always the
 * first due, so no message waits behind a longer one.
 */
export interface DelayQueueSpec {
  readonly name: string;
  readonly delayMs: number;
  /** How messages get in; without one, they are published to the queue by name (default exchange). */
  readonly binding?: BindingSpec;
  readonly deliverTo: BindingSpec;
}

export interface RabbitTopology {
  readonly exchanges: readonly ExchangeSpec[];
  readonly queues: readonly QueueSpec[];
  readonly delayQueues: readonly DelayQueueSpec[];
}

export interface KafkaTopicSpec {
  readonly topic: string;
}

export const rabbitTopology: RabbitTopology = {
  exchanges: [
    { name: Exchanges.sagaCommands, type: 'direct' },
    { name: Exchanges.sagaReplies, type: 'direct' },
    { name: Exchanges.orderEvents, type: 'topic' },
    { name: Exchanges.deadLetters, type: 'direct' },
    { name: Exchanges.sagaTimeouts, type: 'direct' },
  ],
  queues: [
    {
      name: Queues.inventoryCommands,
      bindings: ['inventory.reserve-stock', 'inventory.release-stock', 'inventory.commit-stock'].map(
        (routingKey) => ({ exchange: Exchanges.sagaCommands, routingKey }),
      ),
      deliveryLimit: 5,
    },
    {
      name: Queues.paymentCommands,
      bindings: ['payment.charge', 'payment.refund'].map((routingKey) => ({
        exchange: Exchanges.sagaCommands,
        routingKey,
      })),
      deliveryLimit: 5,
    },
    {
      name: Queues.orderSagaReplies,
      bindings: [{ exchange: Exchanges.sagaReplies, routingKey: Queues.orderSagaReplies }],
      deliveryLimit: 5,
    },
    {
      name: Queues.notificationOrderEvents,
      bindings: [{ exchange: Exchanges.orderEvents, routingKey: 'order.*' }],
      deliveryLimit: 5,
    },
  ],
  delayQueues: [],
};

const sagaTimeoutKey = (delayMs: number) => `after-${delayMs}ms`;

/** The delay queue that returns a saga's deadline to its reply queue after `delayMs`. */
export function sagaTimeoutQueue(delayMs: number, replyQueue: string): DelayQueueSpec {
  return {
    name: `${Exchanges.sagaTimeouts}.${sagaTimeoutKey(delayMs)}`,
    delayMs,
    binding: { exchange: Exchanges.sagaTimeouts, routingKey: sagaTimeoutKey(delayMs) },
    deliverTo: { exchange: Exchanges.sagaReplies, routingKey: replyQueue },
  };
}

export function withDelayQueues(topology: RabbitTopology, delayQueues: readonly DelayQueueSpec[]): RabbitTopology {
  return { ...topology, delayQueues: [...topology.delayQueues, ...delayQueues] };
}

export const kafkaTopics: readonly KafkaTopicSpec[] = [{ topic: KafkaTopics.orders }];

export function retryQueueOf(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}ms`;
}

/**
 * A work queue's retry ladder: one delay queue per step, each handing the message back to the
 * work queue (through the default exchange, by name) when its time is up.
 */
export function retryQueues(queues: readonly string[], delaysMs: readonly number[]): DelayQueueSpec[] {
  return queues.flatMap((queue) =>
    delaysMs.map((delayMs) => ({ name: retryQueueOf(queue, delayMs), delayMs, deliverTo: { exchange: '', routingKey: queue } })),
  );
}

export function deadLetterQueueOf(queue: string): string {
  return `${queue}.dlq`;
}

export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlt`;
}

/** Where each kind of message goes: the only place that maps a message to an exchange or topic. */
export const Routes = {
  sagaCommand(contract: MessageContract): Destination {
    return { broker: 'rabbitmq', exchange: Exchanges.sagaCommands, routingKey: contract.type };
  },
  sagaReply(replyTo: string): Destination {
    return { broker: 'rabbitmq', exchange: Exchanges.sagaReplies, routingKey: replyTo };
  },
  sagaTimeout(delayMs: number): Destination {
    return { broker: 'rabbitmq', exchange: Exchanges.sagaTimeouts, routingKey: sagaTimeoutKey(delayMs) };
  },
  orderEventBroadcast(contract: MessageContract): Destination {
    return { broker: 'rabbitmq', exchange: Exchanges.orderEvents, routingKey: contract.type };
  },
  orderEventLog(orderId: string): Destination {
    return { broker: 'kafka', topic: KafkaTopics.orders, key: orderId };
  },
};
