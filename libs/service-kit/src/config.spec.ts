import { z } from 'zod';
import { ConfigurationError, kafkaConfigShape, loadConfig, serviceConfigSchema } from './config';

const schema = serviceConfigSchema('order', 3000).extend(kafkaConfigShape);

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig('order', schema, env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('service configuration', () => {
  it('when nothing is set, then the local services on this machine are used', () => {
    const config = loadConfig('order', schema, {});

    expect(config).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/order_service',
      RABBITMQ_URL: ['amqp://guest:guest@127.0.0.1:5672'],
      REDIS_URL: 'redis://127.0.0.1:6379',
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_TOPIC_PARTITIONS: 3,
    });
    expect(config.API_KEY).toBeUndefined();
  });

  it('when a variable is wrong, then start-up is refused with its name, the rule and the value seen', () => {
    const message = refusal({ PORT: 'eighty' });

    expect(message).toContain('the order service refuses to start');
    expect(message).toMatch(/PORT: must be a whole number between 1 and 65535 \(got "eighty"\)/);
  });

  it('when the outbox age alert is not a positive whole number of seconds, then start-up is refused naming it', () => {
    expect(loadConfig('order', schema, {}).OUTBOX_AGE_ALERT_SECONDS).toBe(30);
    expect(refusal({ OUTBOX_AGE_ALERT_SECONDS: '0' })).toMatch(/OUTBOX_AGE_ALERT_SECONDS: must be a whole number between 1 and 604800 \(got "0"\)/);
    expect(refusal({ OUTBOX_AGE_ALERT_SECONDS: '30s' })).toContain('OUTBOX_AGE_ALERT_SECONDS:');
  });

  it('lets events linger 250 ms by default, at once with 0, and refuses a linger that is not a whole number of milliseconds', () => {
    expect(loadConfig('order', schema, {}).EVENT_LINGER_MS).toBe(250);
    expect(loadConfig('order', schema, { EVENT_LINGER_MS: '0' }).EVENT_LINGER_MS).toBe(0);
    expect(refusal({ EVENT_LINGER_MS: '-1' })).toMatch(/EVENT_LINGER_MS: must be a whole number between 0 and 10000 \(got "-1"\)/);
    expect(refusal({ EVENT_LINGER_MS: '250ms' })).toContain('EVENT_LINGER_MS:');
  });

  it('names every bad variable at once', () => {
    const message = refusal({ RABBITMQ_URL: 'http://rabbit', KAFKA_BROKERS: 'localhost', LOG_LEVEL: 'loud', PORT: '70000' });

    for (const variable of ['RABBITMQ_URL', 'KAFKA_BROKERS', 'LOG_LEVEL', 'PORT']) expect(message).toContain(`${variable}:`);
  });

  it('takes the nodes of a RabbitMQ cluster as a comma-separated list, and refuses naming the one that is wrong', () => {
    const nodes = 'amqp://u:p@127.0.0.1:5682, amqp://u:p@127.0.0.1:5683,amqp://u:p@127.0.0.1:5684';
    expect(loadConfig('order', schema, { RABBITMQ_URL: nodes }).RABBITMQ_URL).toEqual([
      'amqp://u:p@127.0.0.1:5682',
      'amqp://u:p@127.0.0.1:5683',
      'amqp://u:p@127.0.0.1:5684',
    ]);
    const message = refusal({ RABBITMQ_URL: 'amqp://u:secret1@a:5672,http://u:secret2@b:5672' });
    expect(message).toContain('RABBITMQ_URL: must be a URL starting with amqp:// or amqps:// (got "amqp://***@a:5672,http://***@b:5672")');
    expect(message).not.toMatch(/secret/);
    expect(refusal({ RABBITMQ_URL: 'amqp://a:5672,' })).toContain('RABBITMQ_URL:');
    // A comma inside a password does not cut the URL.
    expect(loadConfig('order', schema, { RABBITMQ_URL: 'amqp://u:a,b@rabbit:5672' }).RABBITMQ_URL).toEqual(['amqp://u:a,b@rabbit:5672']);
  });

  it('does not print the value of a secret', () => {
    const message = refusal({ API_KEY: 'short' });

    expect(message).toContain('API_KEY: must be at least 32 characters when set (got "***")');
    expect(message).not.toContain('short"');
  });

  it('does not print the credentials of a URL it refuses', () => {
    const message = refusal({ RABBITMQ_URL: 'http://admin:hunter2@rabbit:5672' });

    expect(message).toContain('RABBITMQ_URL: must be a URL starting with amqp:// or amqps:// (got "http://***@rabbit:5672")');
    expect(message).not.toContain('hunter2');
    for (const [variable, value, secret] of [
      ['RABBITMQ_URL', 'amqp://user:pa/ss@rabbit:5672', 'pa/ss'],
      ['DATABASE_URL', 'mysql://u:p@ss@db/x', 'ss@'],
      ['DATABASE_URL', 'mysql://db/x?password=hunter2', 'hunter2'],
      ['LAG_ALERT_WEBHOOK_URL', 'ftp://hooks.example/T0KEN', 'T0KEN'],
    ]) {
      expect(refusal({ [variable]: value })).not.toContain(secret);
    }
  });

  it('listens on loopback by default, and on another address only with an API_KEY', () => {
    const key = 'k'.repeat(32);

    expect(loadConfig('order', schema, {}).HOST).toBe('127.0.0.1');
    expect(refusal({ HOST: '0.0.0.0' })).toContain(
      'HOST: may be an address other than loopback only when API_KEY is set; without it the admin endpoints would be open to the network (got "0.0.0.0")',
    );
    expect(loadConfig('order', schema, { HOST: '0.0.0.0', API_KEY: key }).HOST).toBe('0.0.0.0');
    for (const loopback of ['localhost', '127.0.0.2', '::1']) expect(loadConfig('order', schema, { HOST: loopback }).HOST).toBe(loopback);
  });

  it('splits a broker list and reads numbers from text', () => {
    const config = loadConfig('order', schema.extend({ EXTRA: z.string().optional() }), {
      KAFKA_BROKERS: 'a:9092, b:9093',
      OUTBOX_BATCH_SIZE: '50',
    });

    expect(config.KAFKA_BROKERS).toEqual(['a:9092', 'b:9093']);
    expect(config.OUTBOX_BATCH_SIZE).toBe(50);
  });

  it('reads prefetch overrides per queue, and refuses a queue the platform does not have', () => {
    const config = loadConfig('order', schema, { RABBITMQ_PREFETCH_PER_QUEUE: 'notification.sms=2, inventory.commands=50' });

    expect(config.RABBITMQ_PREFETCH_PER_QUEUE).toEqual({ 'notification.sms': 2, 'inventory.commands': 50 });
    expect(loadConfig('order', schema, {}).RABBITMQ_PREFETCH_PER_QUEUE).toEqual({});
    expect(refusal({ RABBITMQ_PREFETCH_PER_QUEUE: 'notification.fax=2' })).toMatch(
      /RABBITMQ_PREFETCH_PER_QUEUE: must be a comma-separated list of <queue>=<1..10000>, where <queue> is one of .*notification\.sms/,
    );
    expect(refusal({ RABBITMQ_PREFETCH_PER_QUEUE: 'notification.sms=0' })).toContain('RABBITMQ_PREFETCH_PER_QUEUE:');
  });

  it('when a prefetch override has more than one =, then start-up is refused instead of dropping the extra part', () => {
    expect(refusal({ RABBITMQ_PREFETCH_PER_QUEUE: 'notification.sms=2=9' })).toMatch(
      /RABBITMQ_PREFETCH_PER_QUEUE: must be a comma-separated list of <queue>=<1\.\.10000>.* \(got "notification\.sms=2=9"\)/,
    );
    expect(refusal({ RABBITMQ_PREFETCH_PER_QUEUE: 'inventory.commands=50, notification.sms=2=9' })).toContain(
      'RABBITMQ_PREFETCH_PER_QUEUE:',
    );
  });

  it('when the retired RABBITMQ_PREFETCH is set, then start-up is refused and names its replacement', () => {
    const message = refusal({ RABBITMQ_PREFETCH: '20' });

    expect(message).toContain('the order service refuses to start');
    expect(message).toContain(
      '  RABBITMQ_PREFETCH: was replaced by RABBITMQ_PREFETCH_PER_QUEUE (e.g. notification.sms=2) (got "20")',
    );
  });
});
