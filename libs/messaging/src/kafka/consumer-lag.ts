import type { Admin } from 'kafkajs';

/**
 * How far one consumer group is behind on one partition. Offsets are Kafka's int64s as numbers:
 * exact up to 2^53, which no partition of this platform comes near.
 */
export interface PartitionLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** The next offset the group will read; null while it has committed nothing on this partition. */
  readonly committedOffset: number | null;
  /** The oldest offset still in the log (retention may have deleted the ones before it). */
  readonly logStartOffset: number;
  /** The offset the next message written to the partition will get. */
  readonly logEndOffset: number;
  /** Messages written and not yet processed by the group. */
  readonly lag: number;
}

export interface TopicLagTotal {
  readonly topic: string;
  readonly totalLag: number;
}

export interface GroupLagTotal {
  readonly group: string;
  readonly totalLag: number;
  readonly topics: readonly TopicLagTotal[];
}

/**
 * Where the group will really read next: its committed offset, or the start of the log when it
 * has none, or has one the log no longer holds (retention deleted it, or the topic was recreated).
 * The platform's groups subscribe `fromBeginning`, so that is where their consumers go too.
 */
function nextReadOffset(committedOffset: number | null, logStartOffset: number, logEndOffset: number): number {
  if (committedOffset === null || committedOffset < logStartOffset || committedOffset > logEndOffset) return logStartOffset;
  return committedOffset;
}

export function partitionLag(position: Omit<PartitionLag, 'lag'>): PartitionLag {
  const next = nextReadOffset(position.committedOffset, position.logStartOffset, position.logEndOffset);
  return { ...position, lag: position.logEndOffset - next };
}

/**
 * Reads a group's committed offsets and the topics' log bounds, and says how far behind it is on
 * every partition. The committed offsets are read before the log ends: an end can only move on
 * in the meantime, so a lag is never under-reported, at worst a message or two early.
 */
export async function readConsumerLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
  if (topics.length === 0) return [];
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const bounds = await Promise.all(topics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) })));

  return bounds.flatMap(({ topic, partitions }) => {
    const committedByPartition = new Map(
      (committed.find((entry) => entry.topic === topic)?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]),
    );
    return partitions
      .map(({ partition, low, high }) => {
        // Negative is no position: kafkajs reports "nothing committed" as -1, and its own
        // resetOffsets commits -2, "earliest", which a consumer resolves to the log start too.
        const offset = committedByPartition.get(partition) ?? -1;
        return partitionLag({
          group: groupId,
          topic,
          partition,
          committedOffset: offset < 0 ? null : offset,
          logStartOffset: Number(low),
          logEndOffset: Number(high),
        });
      })
      .sort((a, b) => a.partition - b.partition);
  });
}

/** Adds up the lag per group and, within each group, per topic; groups and topics in name order. */
export function summarizeLag(partitions: readonly PartitionLag[]): GroupLagTotal[] {
  const byGroup = new Map<string, Map<string, number>>();
  for (const { group, topic, lag } of partitions) {
    const topics = byGroup.get(group) ?? new Map<string, number>();
    topics.set(topic, (topics.get(topic) ?? 0) + lag);
    byGroup.set(group, topics);
  }
  return [...byGroup]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, topics]) => {
      const topicTotals = [...topics]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([topic, totalLag]) => ({ topic, totalLag }));
      return { group, totalLag: topicTotals.reduce((sum, { totalLag }) => sum + totalLag, 0), topics: topicTotals };
    });
}
