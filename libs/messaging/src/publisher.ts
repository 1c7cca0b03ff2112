import type { Broker, OutboundMessage } from './message';

/** The broker acknowledged the message (confirm or acks=all), or it did not and says why. */
export type PublishResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * Sends messages to one broker and reports, per message, whether the broker took
 * responsibility for it. Results are in the order of the input.
 */
export interface MessagePublisher {
  readonly broker: Broker;
  publish(messages: readonly OutboundMessage[]): Promise<PublishResult[]>;
}
