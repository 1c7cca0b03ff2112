import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { inventoryConfigSchema } from '../../apps/inventory/src/inventory.config';
import { notificationConfigSchema } from '../../apps/notification/src/notification.config';
import { orderConfigSchema } from '../../apps/order/src/order.config';
import { paymentConfigSchema } from '../../apps/payment/src/payment.config';
import { pointsConfigSchema } from '../../apps/points/src/points.config';
import { loadConfig } from '../../libs/service-kit/src/config';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

const configSchemas: Record<string, z.ZodObject> = {
  order: orderConfigSchema,
  inventory: inventoryConfigSchema,
  payment: paymentConfigSchema,
  notification: notificationConfigSchema,
  points: pointsConfigSchema,
};

/** Read by docker/service-entrypoint.sh, not by the service's config. */
const ENTRYPOINT_VARIABLES = ['SERVICE'];

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number; host_ip?: string })[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test?: string | string[] };
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };

/** `${NAME:-default}` as compose interpolates it when NAME is not set on the host. */
const withDefaults = (value: string) => value.replace(/\$\{\w+:-([^}]*)\}/g, (_match, fallback: string) => fallback);

/** A service's environment as the container sees it, with the host's variables unset: every value a string. */
function environmentOf(service: ComposeService): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((entry) => {
        const separator = entry.indexOf('=');
        return separator < 0 ? [entry, undefined] : [entry.slice(0, separator), entry.slice(separator + 1)];
      })
    : Object.entries(service.environment ?? {});
  return Object.fromEntries(
    entries.filter(([, value]) => value !== null && value !== undefined).map(([key, value]) => [key, withDefaults(String(value))]),
  );
}

function strayVariables(environment: Record<string, string>, schema: z.ZodObject): string[] {
  return Object.keys(environment).filter((key) => !(key in schema.shape) && !ENTRYPOINT_VARIABLES.includes(key));
}

function configurationProblems(environment: Record<string, string>, schema: z.ZodObject): string[] {
  const parsed = schema.safeParse(environment);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** Defaults name this machine's loopback; inside a container that is the container itself. */
function loopbackDefaultsLeft(environment: Record<string, string>, schema: z.ZodObject): string[] {
  const defaults = schema.parse({}) as Record<string, unknown>;
  return Object.entries(defaults)
    .filter(([key, value]) => !(key in environment) && /127\.0\.0\.1|localhost/.test(JSON.stringify(value)))
    .map(([key]) => key);
}

describe('docker-compose.yml', () => {
  it('dclint reports no errors and no warnings under the project rules (.dclintrc)', () => {
    const lint = spawnSync(
      path.join(ROOT, 'node_modules/.bin/dclint'),
      ['--config', '.dclintrc', '--formatter', 'json', 'docker-compose.yml'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    let results: { messages: unknown[]; errorCount: number; warningCount: number }[];
    try {
      results = JSON.parse(lint.stdout);
    } catch {
      throw new Error(`dclint printed no JSON report (exit ${lint.status}):\n${lint.stdout}\n${lint.stderr}`);
    }
    expect(results).toHaveLength(1);
    expect(results[0].messages).toEqual([]);
    expect(results[0].errorCount).toBe(0);
    expect(lint.status).toBe(0);
  }, 30_000);

  it('runs the same Kafka version as infra/kafka/pom.xml', () => {
    const pomVersion = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(read('infra/kafka/pom.xml'))?.[1];
    expect(pomVersion).toBeDefined();
    expect(compose.services.kafka?.image).toBe(`apache/kafka:${pomVersion}`);
  });

  it('defines exactly the five application services next to the infrastructure', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [...Object.keys(configSchemas), 'kafka', 'postgres', 'rabbitmq', 'redis'].sort(),
    );
  });

  describe.each(Object.keys(configSchemas))('the %s service', (name) => {
    const schema = configSchemas[name];
    const service = compose.services[name] ?? {};
    const environment = environmentOf(service);

    it('has an environment that its config schema accepts', () => {
      expect(configurationProblems(environment, schema)).toEqual([]);
    });

    it('starts: it listens beyond its container\'s loopback only with an admin key', () => {
      expect(() => loadConfig(name, schema, environment)).not.toThrow();
      expect(environment.HOST).toBe('0.0.0.0');
    });

    it('sets only variables its config schema reads (no stray or misspelled name)', () => {
      expect(strayVariables(environment, schema)).toEqual([]);
    });

    it('leaves no setting at a default that points at the loopback interface', () => {
      expect(loopbackDefaultsLeft(environment, schema)).toEqual([]);
    });

    it('tells the entrypoint which service to run', () => {
      expect(environment.SERVICE).toBe(name);
    });

    it('uses its own database on the postgres container, which the init script creates', () => {
      const url = new URL(environment.DATABASE_URL);
      expect(url.hostname).toBe('postgres');
      expect(url.pathname).toBe(`/${name}_service`);
      expect(read('docker/postgres/create-databases.sql')).toMatch(new RegExp(`CREATE DATABASE ${name}_service;`));
    });

    it('publishes its contract port, the default of its PORT', () => {
      const contractPort = (schema.parse({}) as { PORT: number }).PORT;
      expect(environment.PORT).toBe(String(contractPort));
      expect(service.ports).toEqual([`127.0.0.1:${contractPort}:${contractPort}`]);
    });

    it('is healthy only when /health/ready answers', () => {
      expect(JSON.stringify(service.healthcheck?.test)).toContain('/health/ready');
    });

    it('starts only after every broker and database it uses is healthy', () => {
      const uses = ['postgres', 'rabbitmq', 'redis', ...('KAFKA_BROKERS' in schema.shape ? ['kafka'] : [])];
      expect(service.depends_on).toEqual(
        Object.fromEntries(uses.map((dependency) => [dependency, { condition: 'service_healthy' }])),
      );
      for (const dependency of uses) expect(compose.services[dependency]?.healthcheck?.test).toBeDefined();
    });
  });

  describe('the checks themselves', () => {
    const order = {
      SERVICE: 'order',
      PORT: '3000',
      DATABASE_URL: 'postgresql://postgres:postgres@postgres:5432/order_service',
      RABBITMQ_URL: 'amqp://platform:platform@rabbitmq:5672',
      REDIS_URL: 'redis://redis:6379',
      KAFKA_BROKERS: 'kafka:9092',
      HOST: '0.0.0.0',
      API_KEY: 'an-admin-key-of-thirty-two-chars',
    };

    it('when every variable is right, then no check complains', () => {
      expect(strayVariables(order, orderConfigSchema)).toEqual([]);
      expect(configurationProblems(order, orderConfigSchema)).toEqual([]);
      expect(loopbackDefaultsLeft(order, orderConfigSchema)).toEqual([]);
    });

    it('when a variable name is misspelled, then it is reported as stray and the real one as left at its default', () => {
      const { DATABASE_URL, ...rest } = order;
      const misspelled = { ...rest, DATABSE_URL: DATABASE_URL };
      expect(strayVariables(misspelled, orderConfigSchema)).toEqual(['DATABSE_URL']);
      expect(loopbackDefaultsLeft(misspelled, orderConfigSchema)).toEqual(['DATABASE_URL']);
    });

    it('when a value is invalid, then the schema check names the variable', () => {
      expect(configurationProblems({ ...order, LOG_LEVEL: 'verbose' }, orderConfigSchema)).toEqual([
        expect.stringMatching(/^LOG_LEVEL: /),
      ]);
    });

    it('when a Kafka variable is set on a service without Kafka, then it is reported as stray', () => {
      const { KAFKA_BROKERS, ...notification } = { ...order, SERVICE: 'notification', PORT: '3003' };
      expect(strayVariables(notification, notificationConfigSchema)).toEqual([]);
      expect(strayVariables({ ...notification, KAFKA_BROKERS }, notificationConfigSchema)).toEqual(['KAFKA_BROKERS']);
    });
  });
});
