import {
  ChargePayment,
  CommitStock,
  type MessageContract,
  OrderCancelled,
  OrderCompleted,
  OrderPlaced,
  PaymentCharged,
  PaymentRefunded,
  PaymentRejected,
  RefundPayment,
  ReleaseStock,
  ReserveStock,
  SagaStepTimedOut,
  SendNotification,
  StockCommitted,
  StockReleased,
  StockReservationRejected,
  StockReserved,
} from '@platform/contracts';
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
  /** fanout: every accepted order, copied to each queue bound to it; the publisher knows none of them. */
  orderPlaced: 'order.placed',
  /** headers: notifications to send, routed on their `channel` and `priority` headers, not a routing key. */
  notificationDispatch: 'notification.dispatch',
} as const;

export const Queues = {
  inventoryCommands: 'inventory.commands',
  inventoryOrderDemand: 'inventory.order-demand',
  paymentCommands: 'payment.commands',
  orderSagaReplies: 'order.saga-replies',
  notificationOrderEvents: 'notification.order-events',
  notificationOrderPlaced: 'notification.order-placed',
  notificationEmail: 'notification.email',
  notificationSms: 'notification.sms',
  notificationUrgent: 'notification.urgent',
} as const;

/** The event logs, one per aggregate's service, all keyed by order id: one order's events stay in one partition, in order. */
export const KafkaTopics = {
  orders: 'orders',
  payments: 'payments',
  inventory: 'inventory',
} as const;

export type ExchangeType = 'direct' | 'topic' | 'fanout' | 'headers';

export interface ExchangeSpec {
  readonly name: string;
  readonly type: ExchangeType;
}

export interface BindingSpec {
  readonly exchange: string;
  /** Ignored by fanout and headers exchanges (left empty there). */
  readonly routingKey: string;
  /** For a headers exchange: the headers to match, and `x-match` (all or any). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface QueueSpec {
  readonly name: string;
  /**
   * The messages the bindings bring to this queue. A handler of any other type on it could never
   * be called: the service refuses to start, naming it.
   */
  readonly carries: readonly MessageContract[];
  readonly bindings: readonly BindingSpec[];
  /** Deliveries before the broker dead-letters a message that keeps failing. */
  readonly deliveryLimit: number;
  /** Unacked messages a consumer of this queue may hold; RABBITMQ_PREFETCH_PER_QUEUE overrides it. */
  readonly prefetch: number;
  /**
   * No saga waits on what this queue carries, so its consumer lets a batch gather for a while
   * (the service's EVENT_LINGER_MS) before handling it: larger batches, fewer transactions, and
   * more of the cores left to the queues a saga does wait on.
   */
  readonly lingers?: boolean;
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
  /** The events written to this log; a consumer group's handler of another type is refused at start-up. */
  readonly carries: readonly MessageContract[];
}

/** Saga commands are routed by their type (see Routes.sagaCommand), so a binding names the contract, never a string. */
const sagaCommand = (contract: MessageContract): BindingSpec => ({ exchange: Exchanges.sagaCommands, routingKey: contract.type });
/** A participant's command queue: bound to each command it carries, and nothing else. */
const commandQueue = (name: string, commands: readonly MessageContract[]): Pick<QueueSpec, 'name' | 'carries' | 'bindings'> => ({
  name,
  carries: commands,
  bindings: commands.map(sagaCommand),
});
const dispatchOn = (headers: Record<string, string>): BindingSpec => ({
  exchange: Exchanges.notificationDispatch,
  routingKey: '',
  headers: { 'x-match': 'all', ...headers },
});

/**
 * Prefetch is chosen per queue. A consumer handles what waits in its window as one batch, in one
 * transaction, and acks it after the commit; so the window is also the largest batch, and under
 * load the batch being handled and the one gathering behind it share it. Saga and event handlers
 * get a window of WORK_QUEUE_PREFETCH: at 20 the batches stayed small and every per-batch cost
 * (the transaction, the ack, the relay's wake-up) was paid about twice as often. Sending a
 * notification waits on a gateway: a smaller window stops one slow consumer from hoarding a
 * queue (SMS gateways are the slowest and most rate-limited). Urgent notifications have a queue
 * of their own, so they never wait behind routine mail, and a small window, so few of them sit
 * in one busy consumer's buffer while another instance is free.
 */
const WORK_QUEUE_PREFETCH = 250;
/**
 * Every order sends two routine e-mails, so this window sets how often the e-mail sender commits:
 * at 10 the notification service ran 0.59-0.82 transactions an order at 150/s, the most of any
 * service; at 50, 0.36-0.37 (see the saga benchmark). The small windows stay with the slow,
 * rate-limited SMS gateway and with urgent messages.
 */
const EMAIL_PREFETCH = 50;

export const rabbitTopology: RabbitTopology = {
  exchanges: [
    { name: Exchanges.sagaCommands, type: 'direct' },
    { name: Exchanges.sagaReplies, type: 'direct' },
    { name: Exchanges.orderEvents, type: 'topic' },
    { name: Exchanges.deadLetters, type: 'direct' },
    { name: Exchanges.sagaTimeouts, type: 'direct' },
    { name: Exchanges.orderPlaced, type: 'fanout' },
    { name: Exchanges.notificationDispatch, type: 'headers' },
  ],
  queues: [
    {
      ...commandQueue(Queues.inventoryCommands, [ReserveStock, ReleaseStock, CommitStock]),
      deliveryLimit: 5,
      prefetch: WORK_QUEUE_PREFETCH,
    },
    {
      name: Queues.inventoryOrderDemand,
      carries: [OrderPlaced],
      bindings: [{ exchange: Exchanges.orderPlaced, routingKey: '' }],
      deliveryLimit: 5,
      prefetch: WORK_QUEUE_PREFETCH,
      lingers: true,
    },
    {
      ...commandQueue(Queues.paymentCommands, [ChargePayment, RefundPayment]),
      deliveryLimit: 5,
      prefetch: WORK_QUEUE_PREFETCH,
    },
    {
      name: Queues.orderSagaReplies,
      // The participants' replies, and the saga's own deadlines back from their delay queue.
      carries: [StockReserved, StockReservationRejected, PaymentCharged, PaymentRejected, SagaStepTimedOut],
      bindings: [{ exchange: Exchanges.sagaReplies, routingKey: Queues.orderSagaReplies }],
      deliveryLimit: 5,
      prefetch: WORK_QUEUE_PREFETCH,
    },
    {
      name: Queues.notificationOrderEvents,
      // order.* brings completions and cancellations; the reminder delay queue brings each order.placed, late.
      carries: [OrderCompleted, OrderCancelled, OrderPlaced],
      bindings: [{ exchange: Exchanges.orderEvents, routingKey: 'order.*' }],
      deliveryLimit: 5,
      prefetch: WORK_QUEUE_PREFETCH,
      lingers: true,
    },
    {
      name: Queues.notificationOrderPlaced,
      carries: [OrderPlaced],
      bindings: [{ exchange: Exchanges.orderPlaced, routingKey: '' }],
      deliveryLimit: 5,
      prefetch: WORK_QUEUE_PREFETCH,
      lingers: true,
    },
    {
      name: Queues.notificationEmail,
      carries: [SendNotification],
      bindings: [dispatchOn({ channel: 'email', priority: 'normal' })],
      deliveryLimit: 5,
      prefetch: EMAIL_PREFETCH,
      lingers: true,
    },
    {
      name: Queues.notificationSms,
      carries: [SendNotification],
      bindings: [dispatchOn({ channel: 'sms', priority: 'normal' })],
      deliveryLimit: 5,
      prefetch: 5,
    },
    {
      name: Queues.notificationUrgent,
      carries: [SendNotification],
      bindings: [dispatchOn({ priority: 'high' })],
      deliveryLimit: 5,
      prefetch: 5,
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

/**
 * The delay queue behind order reminders: bound to the order.placed fanout like any other
 * subscriber, it holds each order for `delayMs`, then hands it to the queue of the order events.
 * That queue, not one of its own: there the delayed order.placed waits behind the order's
 * completion or cancellation if they arrived first, even when the service was down meanwhile.
 */
export function orderReminderQueue(delayMs: number): DelayQueueSpec {
  return {
    name: `${Queues.notificationOrderEvents}.remind-after-${delayMs}ms`,
    delayMs,
    binding: { exchange: Exchanges.orderPlaced, routingKey: '' },
    deliverTo: { exchange: '', routingKey: Queues.notificationOrderEvents },
  };
}

export function withDelayQueues(topology: RabbitTopology, delayQueues: readonly DelayQueueSpec[]): RabbitTopology {
  return { ...topology, delayQueues: [...topology.delayQueues, ...delayQueues] };
}

export const kafkaTopics: readonly KafkaTopicSpec[] = [
  { topic: KafkaTopics.orders, carries: [OrderPlaced, OrderCompleted, OrderCancelled] },
  { topic: KafkaTopics.payments, carries: [PaymentCharged, PaymentRejected, PaymentRefunded] },
  { topic: KafkaTopics.inventory, carries: [StockReserved, StockReservationRejected, StockReleased, StockCommitted] },
];

/**
 * The message types each subscription can receive: a queue's `carries`, or for a consumer group
 * those of every topic it reads. The transports refuse a handler of any other type at start-up.
 */
export function carriedTypes(
  topology: RabbitTopology,
  queues: readonly string[],
  group: { readonly groupId: string; readonly topics: readonly string[] } | null,
): ReadonlyMap<string, ReadonlySet<string>> {
  const carried = new Map<string, ReadonlySet<string>>();
  for (const queue of queues) {
    carried.set(queue, new Set(topology.queues.find(({ name }) => name === queue)?.carries.map(({ type }) => type)));
  }
  if (group) {
    const topics = kafkaTopics.filter(({ topic }) => group.topics.includes(topic));
    carried.set(group.groupId, new Set(topics.flatMap(({ carries }) => carries.map(({ type }) => type))));
  }
  return carried;
}

export function retryQueueOf(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}ms`;
}

/**
 * A work queue's retry ladder: one delay queue per step, each handing the message back to the
 * work queue (through the default exchange, by name) when its time is up.
 */
/** The retry queues of each consumed queue: one per distinct interval of its retry policy. */
export function retryQueues(ladders: readonly { queue: string; intervalsMs: readonly number[] }[]): DelayQueueSpec[] {
  return ladders.flatMap(({ queue, intervalsMs }) =>
    [...new Set(intervalsMs)].map((delayMs) => ({ name: retryQueueOf(queue, delayMs), delayMs, deliverTo: { exchange: '', routingKey: queue } })),
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
  orderPlacedBroadcast(): Destination {
    return { broker: 'rabbitmq', exchange: Exchanges.orderPlaced, routingKey: '' };
  },
  notificationDispatch(routingHeaders: { channel: string; priority: string }): Destination {
    return { broker: 'rabbitmq', exchange: Exchanges.notificationDispatch, routingKey: '', routingHeaders };
  },
  orderEventLog(orderId: string): Destination {
    return { broker: 'kafka', topic: KafkaTopics.orders, key: orderId };
  },
  paymentEventLog(orderId: string): Destination {
    return { broker: 'kafka', topic: KafkaTopics.payments, key: orderId };
  },
  inventoryEventLog(orderId: string): Destination {
    return { broker: 'kafka', topic: KafkaTopics.inventory, key: orderId };
  },
};
