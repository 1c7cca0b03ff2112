import { SetMetadata } from '@nestjs/common';
import type { MessageContract } from '@platform/contracts';
import type { InboundMessage } from '@platform/messaging';

export const MESSAGE_CONSUMER = Symbol('message-consumer');
export const ON_MESSAGE = Symbol('on-message');

/**
 * What a message handler receives besides its payload: the open transaction, the message's
 * metadata, and the messages handled in the same transaction (this one among them), for a handler
 * that reads or locks once what the whole batch needs.
 */
export interface MessageContext<Tx> {
  readonly tx: Tx;
  readonly message: InboundMessage;
  readonly batch: readonly InboundMessage[];
}

/**
 * Marks a provider whose @OnMessage methods consume one subscription: a RabbitMQ queue or a
 * Kafka consumer group declared in the service's PlatformModule options.
 */
export const MessageConsumer = (subscription: string) => SetMetadata(MESSAGE_CONSUMER, subscription);

/**
 * Marks a method as the handler of a message contract (or of several, when it treats them
 * alike). It runs inside a database transaction that also records the message in the inbox, so
 * it is applied once however often it arrives; the message is acknowledged only after that
 * transaction commits.
 */
export const OnMessage = (...contracts: [MessageContract, ...MessageContract[]]) => SetMetadata(ON_MESSAGE, contracts);
