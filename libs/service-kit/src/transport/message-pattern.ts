import type { MessageContract } from '@platform/contracts';

/**
 * A handler's pattern names the subscription (a RabbitMQ queue or a Kafka consumer group) as
 * well as the message type: one service may handle a type on several queues, each with its own
 * inbox (SendNotification on the e-mail, SMS and urgent queues).
 */
export interface SubscribedPattern {
  readonly subscription: string;
  readonly type: string;
}

/** Carried beside the handler, so the transport checks each payload against its contract. */
export interface SubscribedExtras {
  readonly contracts: readonly MessageContract[];
}

/**
 * The arguments of `@EventPattern` for messages of `contracts` consumed from `subscription` (a
 * method may treat several types alike):
 *
 *   @EventPattern(...messageFrom(Queues.inventoryCommands, ReserveStock))
 *   reserveStock(@Payload() command: PayloadOf<typeof ReserveStock>, @Ctx() { tx }: MessageContext<Tx>) {…}
 */
export function messageFrom(
  subscription: string,
  ...contracts: [MessageContract, ...MessageContract[]]
): [SubscribedPattern[], SubscribedExtras] {
  return [contracts.map(({ type }) => ({ subscription, type })), { contracts }];
}

/** Reads back a pattern Nest stored as its route (JSON with sorted keys); null for any other shape. */
export function subscribedPatternOf(route: string): SubscribedPattern | null {
  try {
    const pattern: unknown = JSON.parse(route);
    if (typeof pattern !== 'object' || pattern === null) return null;
    const { subscription, type } = pattern as Partial<SubscribedPattern>;
    return typeof subscription === 'string' && typeof type === 'string' ? { subscription, type } : null;
  } catch {
    return null; // a plain string pattern, which names no subscription
  }
}
