import Redis from 'ioredis';
import type { Consumer, ConsumerHandlers, Producer } from './client';
import { RABBITMQ_PREFETCH } from './configurations';
import type { CheckResult, RecoveryResult } from './report';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;
/** Every stream has one consumer group of this name. */
export const GROUP = 'bench';
/** Entries one XREADGROUP takes at most: the same window as RabbitMQ's prefetch. */
const READ_COUNT = RABBITMQ_PREFETCH;
/** An idle consumer blocks this long per read, then reads again: it notices a stop within this time. */
const BLOCK_MS = 100;

/** No reconnection: a connection that breaks during a measurement should fail it, not pause it. */
export const connectRedis = (connectionName: string): Redis =>
  new Redis({ host: REDIS_HOST, port: REDIS_PORT, connectionName, maxRetriesPerRequest: 1, retryStrategy: () => null });

type PipelineResults = [Error | null, unknown][] | null;

function throwFirstError(results: PipelineResults): [Error | null, unknown][] {
  if (!results) throw new Error('the pipeline was not executed');
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return results;
}

/** One XADD per message, a batch's XADDs in one pipeline (one round trip). */
export async function openRedisStreamProducer(stream: string): Promise<Producer> {
  const redis = connectRedis(`${stream} producer`);
  await redis.ping();
  return {
    send: async (messages) => {
      const pipeline = redis.pipeline();
      for (const message of messages) pipeline.xadd(stream, '*', 'm', message);
      throwFirstError(await pipeline.exec());
    },
    close: async () => void (await redis.quit()),
  };
}

type StreamReply = [stream: Buffer, entries: [id: Buffer, fields: Buffer[]][]][] | null;

/** XREADGROUP, then the XACK of what it read sent with the next XREADGROUP, in one round trip. */
export async function openRedisStreamConsumer(stream: string, handlers: ConsumerHandlers): Promise<Consumer> {
  const redis = connectRedis(`${stream} consumer`);
  await redis.ping();
  let running = true;
  const loop = (async () => {
    let toAck: Buffer[] = [];
    while (running) {
      const pipeline = redis.pipeline();
      if (toAck.length > 0) pipeline.xack(stream, GROUP, ...toAck);
      pipeline.callBuffer('XREADGROUP', 'GROUP', GROUP, 'consumer', 'COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', stream, '>');
      const results = throwFirstError(await pipeline.exec());
      const reply = results[results.length - 1][1] as StreamReply;
      toAck = [];
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          handlers.onMessage(fields[1]);
          toAck.push(id);
        }
      }
    }
    if (toAck.length > 0) await redis.xack(stream, GROUP, ...toAck);
  })();
  loop.catch((error: unknown) => running && handlers.onFailure(error as Error));
  return {
    close: async () => {
      running = false;
      await loop;
      await redis.quit();
    },
  };
}

/** The benchmark's side of Redis Streams: its streams, and the markers of the survival, replay and recovery checks. */
export class RedisStreamAdmin {
  private constructor(readonly redis: Redis) {}

  static async connect(): Promise<RedisStreamAdmin> {
    const redis = connectRedis('bench.brokers admin');
    await redis.ping();
    return new RedisStreamAdmin(redis);
  }

  async createStream(stream: string): Promise<void> {
    await this.redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
  }

  async deleteStreams(streams: readonly string[]): Promise<void> {
    if (streams.length > 0) await this.redis.unlink(...streams);
  }

  /** Streams of an earlier run that was interrupted before it could delete them. */
  async deleteStreamsStartingWith(prefix: string): Promise<void> {
    const leftovers: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000, 'TYPE', 'stream');
      leftovers.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    await this.deleteStreams(leftovers);
  }

  async leaveMarker(stream: string, marker: string): Promise<void> {
    await this.redis.xadd(stream, '*', 'm', marker);
  }

  async findMarker(stream: string, marker: string): Promise<CheckResult> {
    const entries = await this.redis.xrange(stream, '-', '+');
    return entries.some(([, fields]) => fields[1] === marker)
      ? { outcome: 'yes', detail: 'the marker was in its stream after the restart' }
      : { outcome: 'no', detail: entries.length === 0 ? 'the stream was gone after the restart' : 'the stream was there without the marker' };
  }

  /** One entry read by a group and acked, then read again: by XRANGE, and by a new group from id 0. */
  async checkReplay(stream: string): Promise<CheckResult> {
    await this.createStream(stream);
    const marker = `replay ${stream} ${Date.now()}`;
    const id = await this.redis.xadd(stream, '*', 'm', marker);
    if (!id) throw new Error(`XADD to ${stream} returned no id`);
    await this.readOne(stream, GROUP, 'first');
    await this.redis.xack(stream, GROUP, id);
    const [pending] = (await this.redis.xpending(stream, GROUP)) as [number];
    const inRange = (await this.redis.xrange(stream, id, id)).length === 1;
    await this.redis.xgroup('CREATE', stream, 'replay', '0');
    const again = await this.readOne(stream, 'replay', 'again');
    return inRange && again?.[1][1] === marker
      ? { outcome: 'yes', detail: `acked (${pending} pending after the ack), the entry is still in the stream: XRANGE reads it, and a new group created at id 0 reads it again` }
      : { outcome: 'no', detail: 'the acked entry could not be read again' };
  }

  /**
   * At-least-once with Redis Streams: a consumer reads an entry and dies without acking it. The entry
   * stays in the group's pending list; another consumer claims it with XAUTOCLAIM once it has been
   * idle `minIdleMs`, and acks it.
   */
  async recoverUnacked(stream: string, minIdleMs: number): Promise<RecoveryResult> {
    await this.createStream(stream);
    const id = await this.redis.xadd(stream, '*', 'm', `recovery ${Date.now()}`);
    const doomed = connectRedis(`${stream} doomed consumer`);
    const readAt = performance.now();
    try {
      const [read] = (await doomed.xreadgroup('GROUP', GROUP, 'doomed', 'COUNT', 1, 'STREAMS', stream, '>')) as [string, [string, string[]][]][];
      if (read?.[1][0]?.[0] !== id) throw new Error(`the doomed consumer did not read ${id}`);
    } finally {
      doomed.disconnect();
    }
    const deadline = readAt + minIdleMs + 10_000;
    while (performance.now() < deadline) {
      const [, claimed] = (await this.redis.xautoclaim(stream, GROUP, 'rescuer', minIdleMs, '0-0', 'COUNT', 10)) as [string, [string, string[]][]];
      if (claimed.some(([claimedId]) => claimedId === id)) {
        const [[, owner, , deliveries]] = (await this.redis.xpending(stream, GROUP, '-', '+', 10)) as [string, string, number, number][];
        await this.redis.xack(stream, GROUP, id!);
        const msToRecover = performance.now() - readAt;
        const [left] = (await this.redis.xpending(stream, GROUP)) as [number];
        return {
          outcome: 'yes',
          detail: `claimed by ${owner} with XAUTOCLAIM after ${minIdleMs} ms idle (delivery count ${deliveries}), acked ${Math.round(msToRecover)} ms after the first read; ${left} pending after`,
          minIdleMs,
          msToRecover,
          deliveryCount: deliveries,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { outcome: 'no', detail: `nobody could claim the entry within ${minIdleMs + 10_000} ms`, minIdleMs, msToRecover: null, deliveryCount: null };
  }

  close(): Promise<void> {
    return this.redis.quit().then(() => undefined);
  }

  private async readOne(stream: string, group: string, consumer: string): Promise<[string, string[]] | undefined> {
    const reply = (await this.redis.xreadgroup('GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')) as [string, [string, string[]][]][] | null;
    return reply?.[0]?.[1][0];
  }
}
