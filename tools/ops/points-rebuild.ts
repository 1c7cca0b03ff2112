import { parseArgs } from 'node:util';
import { callAdmin, runCli } from './admin-client';

const usage = `usage: npm run points:rebuild -- --from-beginning | --timestamp <ISO-8601> | --offset <partition>:<offset> [--offset ...]
Rewinds the points consumer group on the orders log, resets what the replay will rebuild, and waits
until the group has read up to where the log ended at the rewind. Stop every other points instance first.`;

interface Position {
  topic: string;
  partition: number;
  offset: number;
}

interface LagView {
  lag: {
    checkedAt: string;
    partitions: { topic: string; partition: number; committedOffset: number | null; logStartOffset: number }[];
  } | null;
}

/** Partitions whose committed offset has not reached the log end seen at the rewind, by a lag check made after it. */
function behind(until: readonly Position[], lag: LagView['lag'], rewoundAt: number): Position[] {
  if (!lag || Date.parse(lag.checkedAt) <= rewoundAt) return [...until];
  return until.filter(({ topic, partition, offset }) => {
    const seen = lag.partitions.find((candidate) => candidate.topic === topic && candidate.partition === partition);
    // A partition with nothing committed (say, empty) is done when its log holds nothing before `offset`.
    return !seen || (seen.committedOffset ?? seen.logStartOffset) < offset;
  });
}

function rebuildRequest(values: { 'from-beginning'?: boolean; timestamp?: string; offset?: string[] }): unknown {
  if (values['from-beginning']) return { from: 'beginning' };
  if (values.timestamp) return { from: 'timestamp', timestamp: values.timestamp };
  if (values.offset?.length) {
    return {
      from: 'offsets',
      offsets: values.offset.map((position) => {
        const [partition, offset] = position.split(':').map(Number);
        return { partition, offset };
      }),
    };
  }
  throw new Error(usage);
}

/** The operator's command to rebuild the points projection from the Kafka log. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'from-beginning': { type: 'boolean' }, timestamp: { type: 'string' }, offset: { type: 'string', multiple: true } },
  });
  const started = Date.now();
  const result = await callAdmin<{ until: Position[] }>('points', 'POST', '/admin/points/rebuild', rebuildRequest(values));
  const rewoundAt = Date.now();
  process.stdout.write(`rewound: ${JSON.stringify(result)}\n`);
  // Complete once the group has committed up to where the log ended at the rewind; later events are ordinary traffic.
  for (;;) {
    const { lag } = await callAdmin<LagView>('points', 'GET', '/admin/kafka/lag');
    const remaining = behind(result.until, lag, rewoundAt);
    if (remaining.length === 0) break;
    process.stdout.write(`replaying: ${remaining.map(({ topic, partition }) => `${topic}:${partition}`).join(', ')} not there yet\n`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  process.stdout.write(`caught up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

runCli(main);
