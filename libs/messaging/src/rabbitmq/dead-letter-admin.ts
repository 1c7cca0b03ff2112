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

  /**
   * Moves up to `limit` dead letters back to their work queue; returns how many. Only the letters
   * present when it starts are moved, so one that fails again at once is not moved round and round.
   */
  redrive(queue: string, limit: number): Promise<number> {
    return this.connection.withChannel(async (channel) => {
      const returned = new Set<string>();
      channel.on('return', (message: amqp.ConsumeMessage) => returned.add(String(message.properties.messageId)));
      const { messageCount } = await channel.checkQueue(deadLetterQueueOf(queue));
      let moved = 0;
      while (moved < Math.min(limit, messageCount)) {
        const message = await channel.get(deadLetterQueueOf(queue));
        if (!message) break;
        const headers = withoutFailureHeaders(message.properties.headers ?? {});
        channel.publish('', queue, message.content, { ...message.properties, persistent: true, mandatory: true, headers });
        await channel.waitForConfirms();
        if (returned.delete(String(message.properties.messageId))) {
          channel.nack(message, false, true);
          throw new Error(`queue ${queue} does not exist; the dead letter stays where it is`);
        }
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
    reason: String(headers[FailureHeaders.reason] ?? latestDeathReason(headers) ?? 'unknown'),
    attempts: headers[FailureHeaders.attempts] === undefined ? null : Number(headers[FailureHeaders.attempts]),
    deadLetteredAt: headers[FailureHeaders.deadLetteredAt] === undefined ? null : String(headers[FailureHeaders.deadLetteredAt]),
    payload: 'payload' in body ? body.payload : message.content.toString('utf8'),
  };
}

/** The broker's reason for the most recent dead-lettering (x-death lists the newest first). */
function latestDeathReason(headers: Record<string, unknown>): string | undefined {
  const deaths = headers['x-death'];
  return Array.isArray(deaths) && deaths[0] && typeof deaths[0] === 'object' ? String((deaths[0] as { reason?: unknown }).reason) : undefined;
}

/** A re-driven message starts over: a fresh retry ladder, no old verdicts. */
function withoutFailureHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const kept = { ...headers };
  for (const name of Object.values(FailureHeaders)) delete kept[name];
  for (const name of ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-delivery-count']) delete kept[name];
  return kept;
}
