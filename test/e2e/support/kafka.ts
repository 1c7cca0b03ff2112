import { randomUUID } from 'node:crypto';
import { AssignerProtocol, Kafka, type IHeaders, logLevel, type Message } from 'kafkajs';
import { platformUnderTest } from './environment';

export const kafka = new Kafka({ clientId: 'e2e', brokers: platformUnderTest.kafkaBrokers, logLevel: logLevel.NOTHING });

export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  type: string;
  headers: Record<string, string>;
  payload: unknown;
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}

/**
 * Reads topics from the beginning with a throw-away consumer group, up to the end offsets they had
 * when the call began, and returns the records `keep` accepts, in log order per partition.
 */
export async function readTopics(topics: readonly string[], keep: (record: LogRecord) => boolean): Promise<LogRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  try {
    for (const topic of topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (Number(high) > Number(low)) ends.set(`${topic}:${partition}`, Number(high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const records: LogRecord[] = [];
  if (ends.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `e2e-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`could not read ${topics.join(', ')} to the end within 60 s`)), 60_000);
      // A rebalance of this reader's group (its coordinator's node restarted, say) fetches again from the
      // last commit: a position already read is the same record, and is kept once.
      const read = new Set<string>();
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const position = `${topic}:${partition}:${message.offset}`;
          if (read.has(position)) return;
          read.add(position);
          const headers = textHeaders(message.headers);
          const record: LogRecord = {
            topic,
            partition,
            offset: Number(message.offset),
            key: message.key?.toString() ?? '',
            type: headers['message-type'] ?? '',
            headers,
            payload: safeJson(message.value?.toString() ?? ''),
          };
          if (keep(record)) records.push(record);
          const end = ends.get(`${topic}:${partition}`);
          if (end !== undefined && record.offset >= end - 1) ends.delete(`${topic}:${partition}`);
          if (ends.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return records;
  } finally {
    await consumer.disconnect();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // a poison message may not be JSON at all
  }
}

export async function produce(topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += 1_000) {
      await producer.send({ topic, acks: -1, messages: messages.slice(start, start + 1_000) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The headers the platform's relays write, so a hand-made message looks like one of theirs. */
export function platformHeaders(type: string, orderId: string, messageId = randomUUID()): Record<string, string> {
  return {
    'message-id': messageId,
    'message-type': type,
    'message-version': '1',
    'correlation-id': orderId,
    'occurred-at': new Date().toISOString(),
  };
}

/** The group's members and the partitions each is assigned. */
export async function groupMembers(groupId: string): Promise<{ memberId: string; partitions: string[] }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0].members.map((member) => {
      const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment ?? {};
      const partitions = Object.entries(assignment).flatMap(([topic, numbers]) => numbers.map((partition) => `${topic}:${partition}`));
      return { memberId: member.memberId, partitions };
    });
  } finally {
    await admin.disconnect();
  }
}
