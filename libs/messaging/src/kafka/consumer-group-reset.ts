import type { Admin } from 'kafkajs';

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * Where the group reads next after the reset. `offsets` moves only the partitions it lists: the
 * others keep their committed offsets, so one partition can be moved (say, past a message that
 * must be skipped) without replaying or skipping anything on the rest.
 */
export type ResetFrom =
  | { readonly kind: 'beginning' }
  /** The first message written at or after `timestamp` (ms since the epoch), or the end of the log if none was. */
  | { readonly kind: 'timestamp'; readonly timestamp: number }
  | { readonly kind: 'offsets'; readonly offsets: readonly TopicPartitionOffset[] };

/** A topic's partitions and the offsets their logs hold, [low, high). */
export interface TopicLayout {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly low: number; readonly high: number }[];
}

/** A reset refused for now: the group has members, or another reset runs. Nothing was moved. */
export class ResetRefusedError extends Error {
  override readonly name = 'ResetRefusedError';
}

/** A reset to positions the log does not have (a partition or topic that does not exist, an offset outside the log). Nothing was moved. */
export class InvalidResetError extends Error {
  override readonly name = 'InvalidResetError';
}

const IDLE_GROUP_STATES: readonly string[] = ['Empty', 'Dead'];

/**
 * Moves a consumer group's committed offsets on `topics`, and returns the offsets it set. The
 * group must have no members: a running member keeps its own position and would commit over the
 * reset. (kafkajs's setOffsets checks the same again, so a member that joins meanwhile fails it.)
 * Expect about 5 s per topic: setOffsets commits through a paused consumer that joins the group,
 * and returns after that consumer's first fetch wait.
 */
export async function resetConsumerGroup(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  from: ResetFrom,
): Promise<TopicPartitionOffset[]> {
  const {
    groups: [group],
  } = await admin.describeGroups([groupId]);
  if (group && !IDLE_GROUP_STATES.includes(group.state)) {
    throw new ResetRefusedError(
      `consumer group ${groupId} is ${group.state} with ${group.members.length} member(s): stop its consumers before resetting its offsets`,
    );
  }
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length > 0) throw new ResetRefusedError(`no such topic yet: ${missing.join(', ')}`);

  const layouts = await Promise.all(
    topics.map(async (topic): Promise<TopicLayout> => {
      const partitions = await admin.fetchTopicOffsets(topic);
      return { topic, partitions: partitions.map(({ partition, low, high }) => ({ partition, low: Number(low), high: Number(high) })) };
    }),
  );
  const targets = await targetOffsets(admin, from, layouts);

  for (const topic of topics) {
    const partitions = targets.filter((target) => target.topic === topic).map(({ partition, offset }) => ({ partition, offset: String(offset) }));
    if (partitions.length > 0) await setOffsetsOfIdleGroup(admin, groupId, topic, partitions);
  }
  return targets;
}

/** kafkajs checks the group is still empty; a member that joined since describeGroups makes it refuse. */
async function setOffsetsOfIdleGroup(
  admin: Admin,
  groupId: string,
  topic: string,
  partitions: { partition: number; offset: string }[],
): Promise<void> {
  try {
    await admin.setOffsets({ groupId, topic, partitions });
  } catch (error) {
    if (error instanceof Error && /running instances|not empty|rebalanc/i.test(error.message)) {
      throw new ResetRefusedError(`consumer group ${groupId} gained a member while resetting: ${error.message}`);
    }
    throw error;
  }
}

async function targetOffsets(admin: Admin, from: ResetFrom, layouts: readonly TopicLayout[]): Promise<TopicPartitionOffset[]> {
  switch (from.kind) {
    case 'beginning':
      // The log's real first offsets rather than kafkajs's resetOffsets, which commits the marker
      // -2 ("earliest"): the caller gets the offsets back, and lag readers see a real position.
      return layouts.flatMap(({ topic, partitions }) => partitions.map(({ partition, low }) => ({ topic, partition, offset: low })));
    case 'timestamp': {
      const perTopic = await Promise.all(
        layouts.map(async ({ topic }) => {
          // kafkajs already turns the broker's -1 ("nothing written at or after it") into the log end.
          const found = await admin.fetchTopicOffsetsByTimestamp(topic, from.timestamp);
          return found.map(({ partition, offset }) => ({ topic, partition, offset: Number(offset) }));
        }),
      );
      return perTopic.flat().sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    }
    case 'offsets':
      return validatedOffsets(from.offsets, layouts);
  }
}

/**
 * Refuses a requested offset the group could not read from: on a topic not being reset, on a
 * partition that does not exist, twice for one partition, or outside the log. An offset past the
 * end would not wait for new messages; the consumer would find it out of range and start over
 * from the beginning.
 */
export function validatedOffsets(offsets: readonly TopicPartitionOffset[], layouts: readonly TopicLayout[]): TopicPartitionOffset[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { topic, partition, offset } of offsets) {
    const where = `${topic}/${partition}`;
    const layout = layouts.find((candidate) => candidate.topic === topic);
    const bounds = layout?.partitions.find((candidate) => candidate.partition === partition);
    if (!layout) problems.push(`${where}: ${topic} is not among the topics being reset`);
    else if (!bounds) problems.push(`${where}: ${topic} has no partition ${partition} (it has ${layout.partitions.length})`);
    else if (seen.has(where)) problems.push(`${where}: given twice`);
    else if (!Number.isSafeInteger(offset) || offset < bounds.low || offset > bounds.high) {
      problems.push(`${where}: offset ${offset} is outside the log [${bounds.low}, ${bounds.high}]`);
    }
    seen.add(where);
  }
  if (problems.length > 0) throw new InvalidResetError(`cannot reset to these offsets: ${problems.join('; ')}`);
  return [...offsets].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
