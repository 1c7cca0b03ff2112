import { parseArgs } from 'node:util';
import { KafkaTopics } from '@platform/messaging';
import { callAdmin, runCli } from './admin-client';

const usage = `usage: npm run dead-letters -- <service> list|redrive <queue or topic> [--limit N] [--all]
  list     show the dead letters (reason, attempts, origin, payload) without removing them
           (on Kafka, those not re-driven yet; --all for every letter in the topic)
  redrive  send them back to be processed again
<queue> is a RabbitMQ queue the service consumes (its <queue>.dlq is used); <topic> is a Kafka topic
the service's consumer group reads (its <topic>.dlt is used).
The service's API_KEY, if it has one, is read from the API_KEY environment variable.`;

/** The operator's command line for dead letters, on both brokers; it calls the service's admin endpoints. */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { limit: { type: 'string', default: '100' }, all: { type: 'boolean', default: false } },
  });
  const [service, action, target] = positionals;
  if (!service || !['list', 'redrive'].includes(action) || !target) throw new Error(usage);
  const onKafka = (Object.values(KafkaTopics) as string[]).includes(target);
  const base = onKafka ? `/admin/kafka/dead-letters/${encodeURIComponent(target)}` : `/admin/dead-letters/${encodeURIComponent(target)}`;
  const result =
    action === 'redrive'
      ? await callAdmin(service, 'POST', `${base}/redrive?limit=${values.limit}`)
      : await callAdmin(service, 'GET', `${base}?limit=${values.limit}${onKafka && values.all ? '&all=true' : ''}`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if ((result as { more?: boolean }).more) process.stderr.write('more letters wait beyond this call\'s window: run the redrive again\n');
}

runCli(main);
