import type * as amqp from 'amqplib';
import { decodePayload } from '../message';
import { deadLetterQueueOf } from '../topology';
import type { RabbitConnection } from './rabbit-connection';
import { FailureHeaders } from './rabbit-consumer';

export interface DeadLetter {
  messageId: string;
  type: string;
  correlationId: string;
  /** Why it was dead-lettered: the platform's reason, or the broker's (e.g. delivery_limit). */
  reason: string;
  attempts: number | null;
  deadLetteredAt: string | null;
  payload: unknown;
}

/**
 * An operator's view of a work queue's dead letters, and the way back: re-driving republishes
 * each one, unchanged but for its failure headers, to the queue it came from, where it is
 * processed like any message (and ignored by the inbox if it had been processed after all).
 */
export class DeadLetterAdmin {
  constructor(private readonly connection: RabbitConnection) {}

  /** Looks at up to `limit` dead letters without taking them off the queue. */
  list(queue: string, limit: number): Promise<DeadLetter[]> {
    return this.connection.withChannel(async (channel) => {
      const taken: amqp.GetMessage[] = [];
      try {
        while (taken.length < limit) {
          const message = await channel.get(deadLetterQueueOf(queue));
          if (!message) break;
          taken.push(message);
        }
        return taken.map(describe);
      } finally {
        for (const message of taken) channel.nack(message, false, true);
      }
    });
  }

  /** Moves up to `limit` dead letters back to their work queue; returns how many. */
  redrive(queue: string, limit: number): Promise<number> {
    return this.connection.withChannel(async (channel) => {
      let moved = 0;
      while (moved < limit) {
        const message = await channel.get(deadLetterQueueOf(queue));
        if (!message) break;
        const headers = withoutFailureHeaders(message.properties.headers ?? {});
        channel.publish('', queue, message.content, { ...message.properties, persistent: true, headers });
        await channel.waitForConfirms();
        channel.ack(message);
        moved += 1;
      }
      return moved;
    });
  }
}

function describe(message: amqp.GetMessage): DeadLetter {
  const headers = message.properties.headers ?? {};
  const body = decodePayload(message.content);
  return {
    messageId: String(message.properties.messageId),
    type: String(message.properties.type),
    correlationId: String(message.properties.correlationId),
    reason: String(headers[FailureHeaders.reason] ?? headers['x-first-death-reason'] ?? 'unknown'),
    attempts: headers[FailureHeaders.attempts] === undefined ? null : Number(headers[FailureHeaders.attempts]),
    deadLetteredAt: headers[FailureHeaders.deadLetteredAt] === undefined ? null : String(headers[FailureHeaders.deadLetteredAt]),
    payload: 'payload' in body ? body.payload : message.content.toString('utf8'),
  };
}

/** A re-driven message starts over: a fresh retry ladder, no old verdicts. */
function withoutFailureHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const kept = { ...headers };
  for (const name of Object.values(FailureHeaders)) delete kept[name];
  for (const name of ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-delivery-count']) delete kept[name];
  return kept;
}
