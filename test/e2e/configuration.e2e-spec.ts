import path from 'node:path';
import { runProcess } from './support/commands';

const services = ['order', 'inventory', 'payment', 'notification', 'points'];

function start(service: string, env: Record<string, string>) {
  const entry = path.resolve(__dirname, '../../dist/apps', service, 'src/main.js');
  return runProcess(process.execPath, [entry], { env: { ...process.env, ...env }, timeoutMs: 30_000 });
}

describe('a service with bad configuration', () => {
  it.each(services)('%s refuses to start and names the bad variable', async (service) => {
    const result = await start(service, { PORT: '0', RABBITMQ_URL: 'http://not-amqp' });

    expect(result.status).toBe(78);
    expect(result.stderr).toContain(`the ${service} service refuses to start: invalid configuration`);
    expect(result.stderr).toContain('PORT: must be a whole number between 1 and 65535 (got "0")');
    expect(result.stderr).toContain('RABBITMQ_URL: must be a URL starting with amqp:// or amqps:// (got "http://not-amqp")');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('the services that use Kafka say so when its brokers are unusable', async () => {
    for (const service of ['order', 'points']) {
      const result = await start(service, { KAFKA_BROKERS: 'kafka-without-port' });

      expect(result.status).toBe(78);
      expect(result.stderr).toContain('KAFKA_BROKERS: must be a comma-separated list of host:port');
    }
  });
});
