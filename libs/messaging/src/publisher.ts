import type { Broker, OutboundMessage } from './message';

/**
 * The broker acknowledged the message (confirm or acks=all), or it did not and says why.
 * `brokerUnavailable` marks failures of the broker or the connection rather than of the message
 * (not connected, confirm lost or late, a channel closed): the relay retries those without
 * spending the message's attempts, so an outage cannot park good messages.
 */
export type PublishResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: string; readonly brokerUnavailable?: boolean };

/**
 * Sends messages to one broker and reports, per message, whether the broker took
 * responsibility for it. Results are in the order of the input.
 */
export interface MessagePublisher {
  readonly broker: Broker;
  publish(messages: readonly OutboundMessage[]): Promise<PublishResult[]>;
}
