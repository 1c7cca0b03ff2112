import type { MessageContract, PayloadOf } from '@platform/contracts';
import { type Destination, type InboundMessage, PermanentMessageError, Routes } from '@platform/messaging';
import { outgoing, type OutgoingMessage } from '@platform/outbox';

/**
 * A participant's reply to a saga command: routed to the queue the command named in reply-to,
 * correlated to the same saga, and caused by the command. Participants never need to know who
 * orchestrates them.
 */
export function replyTo<C extends MessageContract>(
  commandMessage: InboundMessage,
  contract: C,
  payload: PayloadOf<C>,
): OutgoingMessage<C> {
  if (!commandMessage.replyTo) {
    throw new PermanentMessageError(`${commandMessage.type} carries no reply-to, so it cannot be answered`);
  }
  return outgoing(contract, payload, {
    correlationId: commandMessage.correlationId,
    destination: Routes.sagaReply(commandMessage.replyTo),
    causationId: commandMessage.messageId,
  });
}

/**
 * A fact the participant appends to its event log on Kafka, caused by the message it handled.
 * Written in the same transaction as the change and the reply, so the log never misses one.
 */
export function logEvent<C extends MessageContract>(
  cause: InboundMessage,
  contract: C,
  payload: PayloadOf<C>,
  destination: Destination,
): OutgoingMessage<C> {
  return outgoing(contract, payload, { correlationId: cause.correlationId, destination, causationId: cause.messageId });
}
