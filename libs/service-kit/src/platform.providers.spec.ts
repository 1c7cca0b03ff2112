import { Test } from '@nestjs/testing';
import { RetryPolicy } from '@platform/messaging';
import { checkReadiness } from '@platform/observability';
import { loadConfig, serviceConfigSchema } from './config';
import { PlatformModule } from './platform.module';
import { checkedPlatformOptions, type PlatformOptions } from './platform.options';
import { PlatformRuntime } from './platform.runtime';
import { REDIS, RELAY_POOL } from './platform.tokens';

class CinemaDatabase {
  async $disconnect(): Promise<void> {}
}

const options = (overrides: Partial<PlatformOptions> = {}): PlatformOptions => ({
  service: 'cinema',
  config: loadConfig('cinema', serviceConfigSchema('cinema', 3999), { LOG_LEVEL: 'silent' }),
  database: CinemaDatabase,
  rabbitmq: false,
  kafka: false,
  ...overrides,
});

describe('the platform resources as providers', () => {
  it('when a test overrides the pool and Redis, then the runtime checks readiness on what the test gave it', async () => {
    const queries: string[] = [];
    const relayPool = { query: async (text: string) => void queries.push(text), end: async () => undefined };
    const redis = { ping: async () => Promise.reject(new Error('the test says Redis is away')), disconnect: () => undefined };

    const module = await Test.createTestingModule({ imports: [PlatformModule.forRoot(options())] })
      .overrideProvider(RELAY_POOL)
      .useValue(relayPool)
      .overrideProvider(REDIS)
      .useValue(redis)
      .compile();
    const report = await checkReadiness(module.get(PlatformRuntime).readinessChecks());
    await module.close();

    expect(queries).toEqual(['SELECT 1']);
    expect(report).toEqual({
      status: 'ready',
      checks: {
        database: { status: 'up', critical: true },
        redis: { status: 'down', critical: false, error: 'the test says Redis is away' },
      },
    });
  });
});

describe('the platform options, checked at start-up', () => {
  it.each([
    [
      'a retry policy names a subscription the service does not have',
      { rabbitmq: true, rabbitQueues: ['cinema.commands'], retryPolicies: { 'cinema.popcorn': RetryPolicy.intervals(1_000) } },
      "a retry policy is declared for 'cinema.popcorn', which is not a subscription of the cinema service",
    ],
    ['queues are consumed with RabbitMQ off', { rabbitQueues: ['cinema.commands'] }, 'the cinema service consumes RabbitMQ queues but rabbitmq is off'],
    [
      'a queue and a topic share a name (the dead-letter API could not tell them apart)',
      { rabbitmq: true, kafka: true, rabbitQueues: ['screenings'], kafkaGroup: { groupId: 'cinema', topics: ['screenings'] } },
      "the cinema service consumes both a queue and a topic named 'screenings': rename one",
    ],
  ])('when %s, then the service refuses to start, saying so', (_, overrides, refusal) => {
    expect(() => checkedPlatformOptions(options(overrides))).toThrow(refusal);
  });

  it('when the options are consistent, then they are taken as they are', () => {
    const consistent = options({ rabbitmq: true, rabbitQueues: ['cinema.commands'], retryPolicies: { 'cinema.commands': RetryPolicy.intervals(1_000) } });

    expect(checkedPlatformOptions(consistent)).toBe(consistent);
  });
});
