import { parseArgs } from 'node:util';
import { callAdmin, runCli } from './admin-client';

const usage = `usage: npm run points:rebuild -- --from-beginning | --timestamp <ISO-8601> | --offset <partition>:<offset> [--offset ...]
Rewinds the points consumer group on the orders log, resets what the replay will rebuild, and waits
until the group has caught up again. Stop every other points instance first.`;

interface LagView {
  paused: boolean;
  lag: { checkedAt: string; groups: { group: string; totalLag: number }[] } | null;
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
  const result = await callAdmin('points', 'POST', '/admin/points/rebuild', rebuildRequest(values));
  const started = Date.now();
  process.stdout.write(`rewound: ${JSON.stringify(result)}\n`);
  // Caught up once a lag check made after the rewind (the answer came after it) sees nothing left to read.
  for (;;) {
    const { lag } = await callAdmin<LagView>('points', 'GET', '/admin/kafka/lag');
    const total = lag?.groups.reduce((sum, group) => sum + group.totalLag, 0);
    if (lag && Date.parse(lag.checkedAt) > started && total === 0) break;
    process.stdout.write(`replaying: ${total ?? '?'} message(s) to go\n`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  process.stdout.write(`caught up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

runCli(main);
