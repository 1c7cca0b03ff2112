import { parseArgs } from 'node:util';
import { callAdmin, runCli } from './admin-client';

const usage = `usage: npm run dead-letters -- <service> list|redrive <queue or topic> [--limit N] [--all]
  list     show the newest dead letters (reason, attempts, where they failed, payload) without
           removing them (on Kafka, those not re-driven yet; --all for re-driven ones too)
  redrive  send up to N of them back to be processed again (100 by default)
<queue> is a RabbitMQ queue the service consumes (its <queue>.dlq is used); <topic> is a Kafka topic
the service's consumer group reads (its <topic>.dlt is used).
The service's API_KEY, if it has one, is read from the API_KEY environment variable.`;

/** The operator's command line for dead letters, the same on both brokers; it calls the service's admin endpoint. */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { limit: { type: 'string', default: '100' }, all: { type: 'boolean', default: false } },
  });
  const [service, action, target] = positionals;
  if (!service || !['list', 'redrive'].includes(action) || !target) throw new Error(usage);
  const base = `/admin/dead-letters/${encodeURIComponent(target)}`;
  const result =
    action === 'redrive'
      ? await callAdmin(service, 'POST', `${base}/redrive?limit=${values.limit}`)
      : await callAdmin(service, 'GET', `${base}?limit=${values.limit}&all=${values.all}`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if ((result as { more?: boolean }).more) process.stderr.write('more letters are waiting: run the redrive again\n');
}

runCli(main);
