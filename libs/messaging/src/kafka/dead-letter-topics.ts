import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Logger } from 'pino';
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
import { describeError } from '../errors';
import { PartitionReceipts } from './partition-receipts';
import { decodePayload, MessageHeaders } from '../message';
import { deadLetterTopicOf } from '../topology';
import { readHeader, REDRIVEN_FOR_GROUP_HEADER, REDRIVEN_FROM_HEADER } from './kafka-headers';

export { REDRIVEN_FOR_GROUP_HEADER, REDRIVEN_FROM_HEADER };

/** Offsets [from, to) of one partition. */
export interface OffsetRange {
  readonly from: number;
  readonly to: number;
}

/** A message read from a dead-letter topic, with the partition it was read from. */
export interface ReadLetter {
  readonly partition: number;
  readonly message: KafkaMessage;
}

/** Stop reading once `count` letters that `of` counts have been read. */
interface ReadUntil {
  readonly count: number;
  readonly of: (letter: ReadLetter) => boolean;
}

interface PartialRead {
  readonly letters: readonly ReadLetter[];
  /** Every range was read to its end. */
  readonly complete: boolean;
}

/**
 * The consumer group whose committed offsets record how far a consumer group's redrives got:
 * each partition's offset is the next letter to look at. It never has members; only setOffsets
 * writes to it. One per consumer group, since each group re-drives its own letters.
 */
export function redriveGroupOf(deadLetterTopic: string, consumerGroup: string): string {
  return `${deadLetterTopic}.${consumerGroup}.redrive`;
}

/** A partition's bounds as kafkajs's fetchTopicOffsets reports them: [low, high) holds its messages. */
export interface PartitionBounds {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/**
 * Where a redrive resumes on a partition: at the redrive group's cursor, or at the start of the
 * log when there is none or the log no longer holds it (retention deleted it, or the topic was
 * recreated). Every letter before it has been re-driven.
 */
export function redriveStart({ low, high }: PartitionBounds, cursor: number | undefined): number {
  if (cursor === undefined || cursor < Number(low) || cursor > Number(high)) return Number(low);
  return cursor;
}

/**
 * Letters past the redrive cursor, over all partitions: those a redrive has not reached yet. The
 * topic holds the letters of every group reading it, so other groups' letters count too; telling
 * them apart would mean reading them.
 */
export function waitingLetters(bounds: readonly PartitionBounds[], cursor: ReadonlyMap<number, number>): number {
  return bounds.reduce((sum, partition) => sum + Number(partition.high) - redriveStart(partition, cursor.get(partition.partition)), 0);
}

/**
 * Letters one list or redrive call reads of a partition at most: a list looks at this many at the
 * newest end, a redrive sends on at most this many from its cursor (the next call goes on). So a
 * dead-letter topic of millions costs an operator's call seconds, not the service's memory.
 */
export const DEAD_LETTER_READ_WINDOW = 10_000;

/**
 * What to read of each partition: from `fromOf` up to its end when the call began, or `window`
 * letters, whichever is nearer; empty ranges left out.
 */
export function readRanges(
  bounds: readonly PartitionBounds[],
  fromOf: (partition: PartitionBounds) => number,
  window = Number.POSITIVE_INFINITY,
): Map<number, OffsetRange> {
  const ranges = new Map<number, OffsetRange>();
  for (const partition of bounds) {
    const from = fromOf(partition);
    const range = { from, to: Math.min(Number(partition.high), from + window) };
    if (range.from < range.to) ranges.set(partition.partition, range);
  }
  return ranges;
}

/** A letter as the operator sees it; `redriveStartOffset` is where the next redrive starts on its partition. */
export function describeDeadLetter(topic: string, partition: number, message: KafkaMessage, redriveStartOffset: number): DeadLetter {
  const header = (name: string) => readHeader(message.headers, name) ?? null;
  const failure = (name: keyof typeof DeadLetterHeaders) => deadLetterHeader((raw) => readHeader(message.headers, raw), name) ?? null;
  const body = decodePayload(message.value);
  return {
    messageId: header(MessageHeaders.messageId),
    type: header(MessageHeaders.type),
    correlationId: header(MessageHeaders.correlationId),
    reason: failure('reason') ?? 'unknown',
    attempts: numberOrNull(failure('attempts')),
    deadLetteredAt: failure('deadLetteredAt'),
    consumer: failure('consumer'),
    failedOn: {
      topic: failure('source') ?? topic,
      partition: numberOrNull(failure('sourcePartition')),
      offset: failure('sourceOffset'),
    },
    heldIn: { topic: deadLetterTopicOf(topic), partition, offset: message.offset },
    redriven: Number(message.offset) < redriveStartOffset,
    payload: 'payload' in body ? body.payload : (message.value?.toString('utf8') ?? null),
  };
}

/**
 * The message to send back: key, value and the message's own headers unchanged, so it is the
 * same message (same id, which the consumers' inboxes recognise); the failure headers dropped,
 * so it starts over; and where it came from, for whoever follows it through the logs.
 */
export function redrivenCopy(deadLetterTopic: string, { partition, message }: ReadLetter): Message {
  const headers: IHeaders = Object.fromEntries(Object.entries(message.headers ?? {}).filter(([name]) => !ALL_DEAD_LETTER_HEADER_NAMES.has(name)));
  headers[REDRIVEN_FROM_HEADER] = `${deadLetterTopic}:${partition}:${message.offset}`;
  const group = deadLetterHeader((raw) => readHeader(message.headers, raw), 'consumer');
  if (group) headers[REDRIVEN_FOR_GROUP_HEADER] = group;
  return { key: message.key, value: message.value, headers };
}

export interface RedrivePlan {
  /** The group's letters to send back, in partition and offset order. */
  readonly send: readonly ReadLetter[];
  /** The redrive group's new cursor on each partition read. */
  readonly cursor: readonly { partition: number; offset: string }[];
  /** Letters of the group were read but not sent (over the limit). */
  readonly leftOver: boolean;
}

/**
 * Of the letters read, which to send (the first `limit` of the group's own, in partition and
 * offset order), and where the cursor goes: past everything read on a partition, or up to its
 * first letter of the group that was left for the next call. Other groups' letters are passed by:
 * they are their own redrive's business.
 */
export function planRedrive(read: readonly ReadLetter[], isOurs: (letter: ReadLetter) => boolean, limit: number): RedrivePlan {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a redrive sends at least one letter (limit ${limit})`);
  const inOrder = [...read].sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset));
  const ours = inOrder.filter(isOurs);
  const send = ours.slice(0, limit);
  const next = new Map<number, number>();
  for (const { partition, message } of inOrder) next.set(partition, Math.max(next.get(partition) ?? 0, Number(message.offset) + 1));
  for (const { partition, message } of ours.slice(limit)) next.set(partition, Math.min(next.get(partition)!, Number(message.offset)));
  return {
    send,
    cursor: [...next].map(([partition, offset]) => ({ partition, offset: String(offset) })),
    leftOver: ours.length > send.length,
  };
}

export interface DeadLetterTopicsOptions {
  /** How long a read may go without a message before it gives up; it includes joining the group. */
  readonly idleTimeoutMs?: number;
}

export class DeadLetterReadBusyError extends Error {
  override readonly name = 'DeadLetterReadBusyError';
  constructor() {
    super('another dead-letter list or redrive is running in this service: try again when it has ended');
  }
}

/** Messages per produce request on redrive: well under the broker's request and batch size limits. */
const REDRIVE_CHUNK = 100;

/**
 * An operator's view of a topic's dead-letter topic, and the way back. Reading a topic has no
 * "get" in Kafka: each call reads with a consumer in a throwaway group, up to the end offsets
 * it saw when it began (letters arriving meanwhile wait for the next call), then deletes the group.
 */
export class DeadLetterTopics implements DeadLetterStore {
  /** `consumerGroup`: the group whose letters this admin lists and re-drives (a topic's dead letters come from every group reading it). */
  constructor(
    private readonly kafka: Kafka,
    private readonly consumerGroup: string,
    private readonly logger: Logger,
    private readonly options: DeadLetterTopicsOptions = {},
  ) {
    this.counter = kafka.admin();
  }

  private reading = false;
  /** Kept connected for waiting(), which a gauge calls every few seconds; the other calls connect their own. */
  private readonly counter: Admin;
  private counterConnected = false;

  private isOurs({ message }: ReadLetter): boolean {
    return deadLetterHeader((raw) => readHeader(message.headers, raw), 'consumer') === this.consumerGroup;
  }

  /**
   * The newest `limit` letters of this group, each saying whether it was re-driven: by default
   * only those still waiting for a redrive, with `includeRedriven` recent ones too. Newest, because
   * an operator looks first at what failed last.
   */
  list(topic: string, { limit, includeRedriven = false }: DeadLetterListing): Promise<DeadLetter[]> {
    const deadLetterTopic = deadLetterTopicOf(topic);
    return this.exclusively(() => this.withAdmin(async (admin) => {
      const bounds = await admin.fetchTopicOffsets(deadLetterTopic);
      const cursor = await this.redriveCursor(admin, deadLetterTopic);
      const starts = new Map(bounds.map((partition) => [partition.partition, redriveStart(partition, cursor.get(partition.partition))]));
      // Waiting letters are looked for in the newest window (the topic holds every group's letters,
      // so the newest `limit` of it could all be another group's); the whole history only from
      // `limit` before each partition's end.
      const from = (partition: PartitionBounds) =>
        Math.max(
          includeRedriven ? Number(partition.low) : (starts.get(partition.partition) ?? Number(partition.low)),
          Number(partition.high) - (includeRedriven ? limit : DEAD_LETTER_READ_WINDOW),
        );
      const letters = (await this.read(admin, deadLetterTopic, readRanges(bounds, from))).letters.filter((letter) =>
        this.isOurs(letter),
      );
      return letters
        .sort((a, b) => Number(b.message.timestamp) - Number(a.message.timestamp))
        .slice(0, limit)
        .sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset))
        .map(({ partition, message }) => describeDeadLetter(topic, partition, message, starts.get(partition) ?? 0));
    }));
  }

  /**
   * Sends up to `limit` letters of this consumer group present when the call begins, and not
   * re-driven before, back to `topic` (tagged for this group: the other groups reading the topic
   * skip the copy), then moves this group's redrive offsets past them, so the next call starts
   * after them. A call reads at most DEAD_LETTER_READ_WINDOW letters of a partition.
   *
   * The produce and the offset commit are two steps: a crash between them re-drives those
   * letters again on the next call. That is safe because every consumer deduplicates by message
   * id in its inbox. For the same reason it is safe, if wasteful, after the redrive group's
   * offsets expire: a group without members keeps them for the broker's offsets.retention.minutes
   * (7 days by default), after which the letters still in the topic count as not re-driven.
   */
  redrive(topic: string, limit: number): Promise<RedriveResult> {
    return this.exclusively(() => this.redriveNow(topic, limit));
  }

  private redriveNow(topic: string, limit: number): Promise<RedriveResult> {
    const deadLetterTopic = deadLetterTopicOf(topic);
    return this.withAdmin(async (admin) => {
      const bounds = await admin.fetchTopicOffsets(deadLetterTopic);
      const cursor = await this.redriveCursor(admin, deadLetterTopic);
      const ranges = readRanges(bounds, (partition) => redriveStart(partition, cursor.get(partition.partition)), DEAD_LETTER_READ_WINDOW);
      const beyondWindow = [...ranges].some(([partition, { to }]) => to < Number(bounds.find((bound) => bound.partition === partition)!.high));
      // Reading stops once `limit` of this group's letters are in: a call costs what it sends, not the whole window.
      const isOurs = (letter: ReadLetter) => this.isOurs(letter);
      const read = await this.read(admin, deadLetterTopic, ranges, { count: limit, of: isOurs });
      if (read.letters.length === 0) return { redriven: 0, more: beyondWindow };
      const plan = planRedrive(read.letters, isOurs, limit);

      if (plan.send.length > 0) await this.produce(topic, plan.send.map((letter) => redrivenCopy(deadLetterTopic, letter)));
      await admin.setOffsets({ groupId: redriveGroupOf(deadLetterTopic, this.consumerGroup), topic: deadLetterTopic, partitions: [...plan.cursor] });
      const result = { redriven: plan.send.length, more: beyondWindow || !read.complete || plan.leftOver };
      this.logger.info({ topic, deadLetterTopic, group: this.consumerGroup, ...result }, 'kafka dead letters re-driven');
      return result;
    });
  }

  /** Two offset requests, no letter read: see waitingLetters for what is counted. */
  async waiting(topic: string): Promise<number> {
    if (!this.counterConnected) {
      await this.counter.connect();
      this.counterConnected = true;
    }
    const deadLetterTopic = deadLetterTopicOf(topic);
    const bounds = await this.counter.fetchTopicOffsets(deadLetterTopic);
    return waitingLetters(bounds, await this.redriveCursor(this.counter, deadLetterTopic));
  }

  /** Closes the connection waiting() keeps. */
  async close(): Promise<void> {
    if (!this.counterConnected) return;
    this.counterConnected = false;
    await this.counter.disconnect();
  }

  /**
   * One read of the dead-letter topics at a time per process, list or redrive: each joins a
   * consumer group and may read thousands of letters, and two redrives at once would read the same
   * cursor and send twice. A call meanwhile is refused at once, not queued, so calls cannot pile up.
   */
  private async exclusively<T>(work: () => Promise<T>): Promise<T> {
    if (this.reading) throw new DeadLetterReadBusyError();
    this.reading = true;
    try {
      return await work();
    } finally {
      this.reading = false;
    }
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /** The redrive group's committed offset per partition; partitions it never committed are absent. */
  private async redriveCursor(admin: Admin, deadLetterTopic: string): Promise<Map<number, number>> {
    const [committed] = await admin.fetchOffsets({ groupId: redriveGroupOf(deadLetterTopic, this.consumerGroup), topics: [deadLetterTopic] });
    // kafkajs reports "nothing committed" as offset -1.
    return new Map((committed?.partitions ?? []).filter(({ offset }) => Number(offset) >= 0).map(({ partition, offset }) => [partition, Number(offset)]));
  }

  /** Throws unless every message was acknowledged; the offsets are then left alone, and the next call sends them again. */
  private async produce(topic: string, messages: readonly Message[]): Promise<void> {
    const receipts = new PartitionReceipts();
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: receipts.createPartitioner });
    await producer.connect();
    try {
      for (let start = 0; start < messages.length; start += REDRIVE_CHUNK) {
        const chunk = messages.slice(start, start + REDRIVE_CHUNK);
        const answers = await producer.send({ topic, acks: -1, messages: chunk });
        const missing = receipts.unacknowledged(chunk.map((message) => ({ topic, message })), answers);
        if (missing.size > 0) throw new Error(`kafka acknowledged ${chunk.length - missing.size} of ${chunk.length} re-driven letters; the next redrive sends them again`);
      }
    } finally {
      await producer.disconnect();
    }
  }

  /**
   * Reads the given ranges, or stops once `until.count` letters that `until.of` counts are in;
   * then removes its throwaway group. Each partition is read in order, so what was read of it is
   * a prefix of its range; `complete` says every range was read to its end.
   */
  private async read(admin: Admin, deadLetterTopic: string, ranges: ReadonlyMap<number, OffsetRange>, until?: ReadUntil): Promise<PartialRead> {
    if (ranges.size === 0) return { letters: [], complete: true };
    const groupId = `${deadLetterTopic}.browse-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    try {
      return await this.consume(consumer, deadLetterTopic, ranges, until);
    } finally {
      await this.discard(admin, consumer, groupId);
    }
  }

  private async consume(consumer: Consumer, deadLetterTopic: string, ranges: ReadonlyMap<number, OffsetRange>, until?: ReadUntil): Promise<PartialRead> {
    const idleTimeoutMs = this.options.idleTimeoutMs ?? 30_000;
    const letters: ReadLetter[] = [];
    let counted = 0;
    const unfinished = new Set(ranges.keys());
    let starting: Promise<void> = Promise.resolve();
    await consumer.connect();
    await consumer.subscribe({ topics: [deadLetterTopic], fromBeginning: true });
    try {
      // Resolved from inside eachMessage, but the consumer is stopped only after: kafkajs's
      // disconnect waits for the running handler, so disconnecting from inside it never returns.
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        let idle: NodeJS.Timeout | undefined;
        const finish = (error?: unknown) => {
          settled = true;
          clearTimeout(idle);
          if (error === undefined) resolve();
          else reject(error);
        };
        const keepWaiting = () => {
          clearTimeout(idle);
          idle = setTimeout(
            () => finish(new Error(`${deadLetterTopic}: no message for ${idleTimeoutMs} ms with partitions ${[...unfinished].join(', ')} unread`)),
            idleTimeoutMs,
          );
        };
        keepWaiting();
        consumer.on('consumer.crash', ({ payload }) => {
          if (!payload.restart) finish(payload.error);
        });
        starting = consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const range = ranges.get(partition);
              if (settled || !range || !unfinished.has(partition)) return;
              keepWaiting();
              const offset = Number(message.offset);
              if (offset >= range.from && offset < range.to) {
                const letter = { partition, message };
                letters.push(letter);
                if (until?.of(letter)) counted += 1;
              }
              if (offset >= range.to - 1) unfinished.delete(partition);
              if (unfinished.size === 0 || (until && counted >= until.count)) finish();
            },
          })
          .then(() => {
            // A fresh group starts at the beginning of the log; a redrive starts at its cursor.
            for (const [partition, { from }] of ranges) consumer.seek({ topic: deadLetterTopic, partition, offset: String(from) });
          });
        starting.catch(finish);
      });
      return { letters, complete: unfinished.size === 0 };
    } finally {
      // A consumer disconnected while it is still joining its group crashes, and kafkajs then
      // restarts it, in a group nobody deletes. Whether run() failed was reported above.
      await Promise.allSettled([starting]);
    }
  }

  /** Leaving the group first lets the broker delete it at once, so browsing leaves no groups behind in the listings. */
  private async discard(admin: Admin, consumer: Consumer, groupId: string): Promise<void> {
    try {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]);
    } catch (error) {
      this.logger.warn({ groupId, err: describeError(error) }, 'throwaway consumer group not cleaned up; the broker expires it');
    }
  }
}
