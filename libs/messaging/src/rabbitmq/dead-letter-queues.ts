import type * as amqp from 'amqplib';
import {
  ALL_DEAD_LETTER_HEADER_NAMES,
  type DeadLetter,
  deadLetterHeader,
  type DeadLetterHeaders,
  type DeadLetterListing,
  type DeadLetterStore,
  numberOrNull,
  type RedriveResult,
} from '../dead-letters';
import { decodePayload } from '../message';
import { deadLetterQueueOf } from '../topology';
import type { RabbitConnection } from './rabbit-connection';
import { RetryHeaders } from './rabbit-consumer';

/**
 * The dead letters of work queues: each queue's `<queue>.dlq`, looked at without taking anything
 * off it, and re-driven by republishing each letter to the queue it came from.
 */
export class DeadLetterQueues implements DeadLetterStore {
  constructor(private readonly connection: RabbitConnection) {}

  /** A re-driven letter leaves the queue, so there are no re-driven ones to include. */
  list(queue: string, { limit }: DeadLetterListing): Promise<DeadLetter[]> {
    return this.connection.withChannel(async (channel) => {
      const taken: amqp.GetMessage[] = [];
      try {
        while (taken.length < limit) {
          const message = await channel.get(deadLetterQueueOf(queue));
          if (!message) break;
          taken.push(message);
        }
        return taken.map((message) => describe(queue, message));
      } finally {
        for (const message of taken) channel.nack(message, false, true);
      }
    });
  }

  /** A re-driven letter leaves the queue, so every letter in it waits. */
  waiting(queue: string): Promise<number> {
    return this.connection.withChannel(async (channel) => (await channel.checkQueue(deadLetterQueueOf(queue))).messageCount);
  }

  /** Only the letters present when it starts are moved, so one that fails again at once is not moved round and round. */
  redrive(queue: string, limit: number): Promise<RedriveResult> {
    return this.connection.withChannel(async (channel) => {
      const returned = new Set<string>();
      channel.on('return', (message: amqp.ConsumeMessage) => returned.add(String(message.properties.messageId)));
      const { messageCount } = await channel.checkQueue(deadLetterQueueOf(queue));
      let redriven = 0;
      let emptied = false;
      while (redriven < Math.min(limit, messageCount)) {
        const message = await channel.get(deadLetterQueueOf(queue));
        if (!message) {
          emptied = true; // someone else took the rest meanwhile
          break;
        }
        const headers = withoutFailureHeaders(message.properties.headers ?? {});
        channel.publish('', queue, message.content, { ...message.properties, persistent: true, mandatory: true, headers });
        await channel.waitForConfirms();
        if (returned.delete(String(message.properties.messageId))) {
          channel.nack(message, false, true);
          throw new Error(`queue ${queue} does not exist; the dead letter stays where it is`);
        }
        channel.ack(message);
        redriven += 1;
      }
      return { redriven, more: !emptied && messageCount > redriven };
    });
  }
}

function describe(queue: string, message: amqp.GetMessage): DeadLetter {
  const headers = message.properties.headers ?? {};
  const header = (name: keyof typeof DeadLetterHeaders) => deadLetterHeader((raw) => (headers[raw] === undefined ? undefined : String(headers[raw])), name) ?? null;
  const body = decodePayload(message.content);
  return {
    messageId: message.properties.messageId === undefined ? null : String(message.properties.messageId),
    type: message.properties.type === undefined ? null : String(message.properties.type),
    correlationId: message.properties.correlationId === undefined ? null : String(message.properties.correlationId),
    reason: header('reason') ?? latestDeathReason(headers) ?? 'unknown',
    attempts: numberOrNull(header('attempts')),
    deadLetteredAt: header('deadLetteredAt'),
    consumer: header('consumer'),
    failedOn: { queue },
    heldIn: { queue: deadLetterQueueOf(queue) },
    redriven: false,
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
  for (const name of [...ALL_DEAD_LETTER_HEADER_NAMES, ...Object.values(RetryHeaders)]) delete kept[name];
  for (const name of ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-delivery-count']) delete kept[name];
  return kept;
}
