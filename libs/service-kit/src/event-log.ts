import type { MessageContract, PayloadOf } from '@platform/contracts';
import type { Destination, InboundMessage } from '@platform/messaging';
import { outgoing, type OutgoingMessage } from '@platform/outbox';

/**
 * A fact the participant appends to its event log on Kafka, caused by the message it handled.
 * Written in the same transaction as the change and the reply, so the log never misses one.
 */
export function eventOnLog<C extends MessageContract>(
  cause: InboundMessage,
  contract: C,
  payload: PayloadOf<C>,
  destination: Destination,
): OutgoingMessage<C> {
  return outgoing(contract, payload, { correlationId: cause.correlationId, destination, causationId: cause.messageId });
}
