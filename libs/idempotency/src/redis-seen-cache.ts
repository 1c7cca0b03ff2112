import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { describeError } from '@platform/messaging';

/**
 * A cache of "this consumer already processed this message", in front of the database inbox.
 * It only ever answers "seen" for messages whose transaction committed, so a missing entry
 * costs a database round trip and nothing more. Redis being down makes the service slower,
 * not wrong: every failure here falls through to the inbox. The one thing it cannot know is a
 * database rebuilt behind its back: whoever resets a consumer's inbox (a projection replay)
 * must clear that consumer's keys too.
 */
export class RedisSeenCache {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly ttlSeconds: number,
  ) {}

  /** Which of these messages the consumer has processed, as far as Redis knows: one round trip. */
  async seenAmong(consumer: string, messageIds: readonly string[]): Promise<Set<string>> {
    if (messageIds.length === 0) return new Set();
    try {
      const values = await this.redis.mget(messageIds.map((id) => key(consumer, id)));
      return new Set(messageIds.filter((_, index) => values[index] !== null));
    } catch (error) {
      this.logger.debug({ err: describeError(error) }, 'redis unavailable; checking the inbox instead');
      return new Set();
    }
  }

  /** Notes messages whose transaction committed: one pipelined round trip. */
  async markSeen(consumer: string, messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0) return;
    try {
      const pipeline = this.redis.pipeline();
      for (const id of messageIds) pipeline.set(key(consumer, id), '1', 'EX', this.ttlSeconds, 'NX');
      await pipeline.exec();
    } catch (error) {
      this.logger.debug({ err: describeError(error) }, 'redis unavailable; the inbox still records the message');
    }
  }

  /**
   * Forgets every message a consumer has seen, for a replay that resets its inbox. Unlike the
   * checks above it fails when Redis does: a key left behind would skip a replayed message.
   */
  async forget(consumer: string): Promise<number> {
    let forgotten = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', key(consumer, '*'), 'COUNT', 1_000);
      if (keys.length > 0) forgotten += await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return forgotten;
  }
}

function key(consumer: string, messageId: string): string {
  return `inbox:${consumer}:${messageId}`;
}
