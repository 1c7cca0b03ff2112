import type { MessageContract, PayloadOf } from '@platform/contracts';
import { type InboundMessage, PermanentMessageError, Routes } from '@platform/messaging';
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
