import { parseArgs } from 'node:util';
import { SERVICES } from '../stack/stack.config';

const usage = `usage: npm run dead-letters -- <service> list|redrive <queue> [--limit N]
  list     show the queue's dead letters (reason, attempts, payload) without removing them
  redrive  send them back to <queue> to be processed again
The service's API_KEY, if it has one, is read from the API_KEY environment variable.`;

/** The operator's command line for dead letters; it calls the service's admin endpoints. */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { limit: { type: 'string', default: '100' } } });
  const [serviceName, action, queue] = positionals;
  const service = SERVICES.find(({ name }) => name === serviceName);
  if (!service || !['list', 'redrive'].includes(action) || !queue) throw new Error(usage);
  const base = `http://127.0.0.1:${process.env[`${service.name.toUpperCase()}_PORT`] ?? service.port}`;
  const path = `/admin/dead-letters/${encodeURIComponent(queue)}${action === 'redrive' ? '/redrive' : ''}?limit=${values.limit}`;
  const response = await fetch(`${base}${path}`, {
    method: action === 'redrive' ? 'POST' : 'GET',
    headers: process.env.API_KEY ? { 'x-api-key': process.env.API_KEY } : {},
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${body}`);
  process.stdout.write(`${JSON.stringify(JSON.parse(body), null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
