import { parseArgs } from 'node:util';
import { type Broker, type MessagePublisher, type OutboundMessage, type PublishResult, RetryPolicy } from '@platform/messaging';
import { OutboxRelay } from '@platform/outbox';
import { Pool } from 'pg';
import { connectPublisher, labLogger } from './lab';

/**
 * One outbox relay as its own process, for the relay's fault tests:
 *   node dist/tools/outbox-lab/relay-process.js --database <url> --broker rabbitmq [--crash-after-publish]
 * With --crash-after-publish it SIGKILLs itself as soon as the broker has confirmed its first
 * batch, before its transaction has committed the SENT marks: the worst moment for a relay to die.
 * On SIGTERM it stops cleanly and prints {"published": n} on stdout.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      database: { type: 'string' },
      broker: { type: 'string', default: 'rabbitmq' },
      'crash-after-publish': { type: 'boolean', default: false },
      'batch-size': { type: 'string', default: '100' },
    },
  });
  if (!values.database) throw new Error('--database is required');
  const broker = values.broker as Broker;
  const logger = labLogger();
  const { publisher, close } = await connectPublisher(broker, logger);
  let published = 0;
  const counting: MessagePublisher = {
    broker,
    async publish(messages: readonly OutboundMessage[]): Promise<PublishResult[]> {
      const results = await publisher.publish(messages);
      published += results.filter((result) => result.ok).length;
      if (values['crash-after-publish'] && published > 0) process.kill(process.pid, 'SIGKILL');
      return results;
    },
  };
  const pool = new Pool({ connectionString: values.database, max: 3 });
  const relay = new OutboxRelay(
    pool,
    [counting],
    {
      batchSize: Number(values['batch-size']),
      concurrency: 2,
      pollIntervalMs: 200,
      retry: RetryPolicy.exponential({ initialMs: 100, maxMs: 2_000, maxAttempts: 10 }),
      retentionMs: 3_600_000,
    },
    logger,
  );
  relay.start();
  process.stdout.write('{"ready":true}\n');
  process.once('SIGTERM', () => {
    void (async () => {
      await relay.stop();
      await close();
      await pool.end();
      process.stdout.write(`${JSON.stringify({ published })}\n`);
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`relay-process: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
