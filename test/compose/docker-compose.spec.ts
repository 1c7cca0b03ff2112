import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { consoleConfigSchema } from '../../apps/console/src/console.config';
import { notificationConfigSchema } from '../../apps/notification/src/notification.config';
import { orderConfigSchema } from '../../apps/order/src/order.config';
import { loadConfig } from '../../libs/service-kit/src/config';
import { configSchemas, configurationProblems, loopbackDefaultsLeft, readRepoFile, ROOT, SERVICES, strayVariables, traces } from '../support/apps';

const read = readRepoFile;

/** Read by docker/service-entrypoint.sh, not by the service's config. */
const ENTRYPOINT_VARIABLES = ['SERVICE'];

interface ComposeService {
  image?: string;
  command?: string | string[];
  volumes?: (string | { type: string; source: string; target: string })[];
  restart?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number; host_ip?: string })[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test?: string | string[] };
}

/** Where the collector receives OTLP/HTTP (docker/otel-collector.yaml). */
const COLLECTOR_OTLP_HTTP_PORT = 4318;

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

/** The gateway's nginx.conf: which service (name:port) each listening port leads to. */
const gatewayConfig = read('docker/gateway/nginx.conf');
const gatewayRoutes = new Map(
  [...gatewayConfig.matchAll(/^\s*(\d+)\s+([a-z]+:\d+);$/gm)].map(([, port, target]) => [Number(port), target]),
);

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

  it("has a gateway that listens on every service's port and finds the replicas at run time, through Docker's DNS", () => {
    const listened = [...gatewayConfig.matchAll(/^\s*listen (\d+);$/gm)].map(([, port]) => Number(port)).sort();
    expect(listened).toEqual([...gatewayRoutes.keys()].sort());
    expect(gatewayRoutes.size).toBe(SERVICES.length);
    // A variable in proxy_pass is resolved per connection (within `valid`); a literal name only once, at start.
    expect(gatewayConfig).toMatch(/resolver 127\.0\.0\.11 valid=\d+s/);
    expect(gatewayConfig).toMatch(/proxy_pass \$service;/);
    expect(compose.services.gateway?.volumes).toContain('./docker/gateway/nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('runs the same Kafka version as infra/kafka/pom.xml', () => {
    const pomVersion = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(read('infra/kafka/pom.xml'))?.[1];
    expect(pomVersion).toBeDefined();
    expect(compose.services.kafka?.image).toBe(`apache/kafka:${pomVersion}`);
  });

  it('defines exactly the five services and the console next to the infrastructure and the tracing', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [...Object.keys(configSchemas), 'gateway', 'jaeger', 'kafka', 'otel-collector', 'postgres', 'rabbitmq', 'redis'].sort(),
    );
  });

  describe.each(Object.keys(configSchemas))('the %s app', (name) => {
    const schema = configSchemas[name];
    const service = compose.services[name] ?? {};
    const environment = environmentOf(service);
    const isService = SERVICES.includes(name);

    it('has an environment that its config schema accepts', () => {
      expect(configurationProblems(environment, schema)).toEqual([]);
    });

    it('starts: it listens beyond its container\'s loopback only with an admin key', () => {
      expect(() => loadConfig(name, schema, environment)).not.toThrow();
      expect(environment.HOST).toBe('0.0.0.0');
    });

    it('sets only variables its config schema reads, or OpenTelemetry\'s when it traces (no stray or misspelled name)', () => {
      expect(strayVariables(environment, schema, traces(name), ENTRYPOINT_VARIABLES)).toEqual([]);
    });

    it('leaves no setting at a default that points at the loopback interface', () => {
      expect(loopbackDefaultsLeft(environment, schema)).toEqual([]);
    });

    it('tells the entrypoint which app to run', () => {
      expect(environment.SERVICE).toBe(name);
    });

    it('is reached on its contract port, the default of its PORT: a service through the gateway, which spreads connections over its replicas', () => {
      const contractPort = (schema.parse({}) as { PORT: number }).PORT;
      expect(environment.PORT).toBe(String(contractPort));
      const published = `127.0.0.1:${contractPort}:${contractPort}`;
      if (isService) {
        // A published host port could be held by one replica only: `--scale` would fail on the second.
        expect(service.ports).toBeUndefined();
        expect(compose.services.gateway?.ports).toContain(published);
        expect(gatewayRoutes.get(contractPort)).toBe(`${name}:${contractPort}`);
      } else {
        expect(service.ports).toEqual([published]);
      }
    });

    it('is healthy only when /health/ready answers', () => {
      expect(JSON.stringify(service.healthcheck?.test)).toContain('/health/ready');
    });

    it('is restarted unless stopped', () => {
      expect(service.restart).toBe('unless-stopped');
    });

    it('sends its spans to the OpenTelemetry Collector when it traces', () => {
      if (traces(name)) {
        expect(environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://otel-collector:${COLLECTOR_OTLP_HTTP_PORT}`);
      } else {
        expect(Object.keys(environment).filter((key) => key.startsWith('OTEL_'))).toEqual([]);
      }
    });

    if (isService) {
      it('traces (its main.ts loads its tracing.ts first)', () => {
        expect(traces(name)).toBe(true);
      });

      it('uses its own database on the postgres container, which the init script creates', () => {
        const url = new URL(environment.DATABASE_URL);
        expect(url.hostname).toBe('postgres');
        expect(url.pathname).toBe(`/${name}_service`);
        expect(read('docker/postgres/create-databases.sql')).toMatch(new RegExp(`CREATE DATABASE ${name}_service;`));
      });

      it('starts only after every broker and database it uses is healthy', () => {
        const uses = ['postgres', 'rabbitmq', 'redis', ...('KAFKA_BROKERS' in schema.shape ? ['kafka'] : [])];
        expect(service.depends_on).toEqual(
          Object.fromEntries(uses.map((dependency) => [dependency, { condition: 'service_healthy' }])),
        );
        for (const dependency of uses) expect(compose.services[dependency]?.healthcheck?.test).toBeDefined();
      });
    } else {
      it('has no database and no broker, and waits for nothing: it starts on its own', () => {
        expect(Object.keys(schema.shape).filter((key) => /DATABASE|RABBITMQ|REDIS|KAFKA/.test(key))).toEqual([]);
        expect(service.depends_on).toBeUndefined();
      });

      it('reads every service at its container and contract port', () => {
        for (const serviceName of SERVICES) {
          const port = (configSchemas[serviceName].parse({}) as { PORT: number }).PORT;
          expect(environment[`${serviceName.toUpperCase()}_URL`]).toBe(`http://${serviceName}:${port}`);
        }
      });

      it('reads the services\' admin endpoints with the key compose gives them', () => {
        for (const serviceName of SERVICES) expect(environment.API_KEY).toBe(environmentOf(compose.services[serviceName]).API_KEY);
      });
    }
  });

  describe('the entrypoint and the image', () => {
    const entrypoint = read('docker/service-entrypoint.sh');
    const dockerfile = read('Dockerfile');

    it('runs the console without migrations', () => {
      expect(entrypoint).toMatch(/^\s*console\)\s*;;/m);
      expect(existsSync(path.join(ROOT, 'prisma/console'))).toBe(false);
    });

    it('carries the console\'s pages where the compiled console looks for them, and exposes its port', () => {
      // dist/apps/console/src/../../../../apps/console/public, from WORKDIR /app.
      expect(dockerfile).toMatch(/^COPY apps\/console\/public \.\/apps\/console\/public$/m);
      expect(dockerfile).toMatch(/^EXPOSE (\d+ )*3005( \d+)*$/m);
    });
  });

  describe('tracing', () => {
    const collector = compose.services['otel-collector'] ?? {};
    const jaeger = compose.services.jaeger ?? {};
    const config = parse(read('docker/otel-collector.yaml')) as {
      receivers: { otlp?: { protocols?: { http?: { endpoint?: string } } } };
      processors: Record<string, unknown>;
      exporters: Record<string, { endpoint?: string; encoding?: string; tls?: { insecure?: boolean }; headers?: Record<string, string> }>;
      service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
    };
    const consolePort = (consoleConfigSchema.parse({}) as { PORT: number }).PORT;

    it('runs a pinned OpenTelemetry Collector and a pinned Jaeger', () => {
      expect(collector.image).toMatch(/^otel\/opentelemetry-collector(-contrib)?:\d+\.\d+\.\d+$/);
      expect(jaeger.image).toMatch(/^jaegertracing\/(all-in-one|jaeger):\d+\.\d+\.\d+$/);
    });

    it('gives the collector docker/otel-collector.yaml as its configuration', () => {
      const mount = collector.volumes?.find((volume) => typeof volume === 'string' && volume.startsWith('./docker/otel-collector.yaml:'));
      expect(mount).toBeDefined();
      const target = (mount as string).split(':')[1];
      expect([collector.command].flat()).toContain(`--config=${target}`);
    });

    it('receives OTLP/HTTP on every interface of the collector\'s container, on the port the services send to', () => {
      expect(config.receivers.otlp?.protocols?.http?.endpoint).toBe(`0.0.0.0:${COLLECTOR_OTLP_HTTP_PORT}`);
    });

    it('sends the spans to the console as OTLP JSON, the only encoding it reads', () => {
      expect(config.exporters['otlphttp/console']).toEqual(
        expect.objectContaining({ endpoint: `http://console:${consolePort}`, encoding: 'json' }),
      );
    });

    it("sends the console the services' admin key, which its span receiver wants", () => {
      expect(config.exporters['otlphttp/console'].headers).toEqual({ 'x-api-key': '${env:API_KEY}' });
      const keyOf = (service: string) => (compose.services[service]?.environment as Record<string, string> | undefined)?.API_KEY;
      expect(keyOf('otel-collector')).toBeDefined();
      expect(keyOf('otel-collector')).toBe(keyOf('console'));
    });

    it('sends the spans to Jaeger over OTLP/gRPC inside the compose network', () => {
      expect(config.exporters['otlp/jaeger']).toEqual(
        expect.objectContaining({ endpoint: 'jaeger:4317', tls: expect.objectContaining({ insecure: true }) }),
      );
    });

    it('has one traces pipeline, batched, from the OTLP receiver to both', () => {
      expect(Object.keys(config.service.pipelines)).toEqual(['traces']);
      const pipeline = config.service.pipelines.traces;
      expect(pipeline.receivers).toEqual(['otlp']);
      expect(pipeline.processors).toEqual(['batch']);
      expect('batch' in config.processors).toBe(true);
      expect([...pipeline.exporters].sort()).toEqual(['otlp/jaeger', 'otlphttp/console']);
    });

    it('publishes Jaeger\'s UI on the host\'s loopback only', () => {
      expect(jaeger.ports).toEqual(['127.0.0.1:16686:16686']);
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
      expect(strayVariables(order, orderConfigSchema, true, ENTRYPOINT_VARIABLES)).toEqual([]);
      expect(configurationProblems(order, orderConfigSchema)).toEqual([]);
      expect(loopbackDefaultsLeft(order, orderConfigSchema)).toEqual([]);
    });

    it('when a variable name is misspelled, then it is reported as stray and the real one as left at its default', () => {
      const { DATABASE_URL, ...rest } = order;
      const misspelled = { ...rest, DATABSE_URL: DATABASE_URL };
      expect(strayVariables(misspelled, orderConfigSchema, true, ENTRYPOINT_VARIABLES)).toEqual(['DATABSE_URL']);
      expect(loopbackDefaultsLeft(misspelled, orderConfigSchema)).toEqual(['DATABASE_URL']);
    });

    it('when a value is invalid, then the schema check names the variable', () => {
      expect(configurationProblems({ ...order, LOG_LEVEL: 'verbose' }, orderConfigSchema)).toEqual([
        expect.stringMatching(/^LOG_LEVEL: /),
      ]);
    });

    it('when a Kafka variable is set on a service without Kafka, then it is reported as stray', () => {
      const { KAFKA_BROKERS, ...notification } = { ...order, SERVICE: 'notification', PORT: '3003' };
      expect(strayVariables(notification, notificationConfigSchema, true, ENTRYPOINT_VARIABLES)).toEqual([]);
      expect(strayVariables({ ...notification, KAFKA_BROKERS }, notificationConfigSchema, true, ENTRYPOINT_VARIABLES)).toEqual(['KAFKA_BROKERS']);
    });

    it('when an app traces, then the standard OpenTelemetry variables pass and any other OTEL_ name is stray', () => {
      const traced = { ...order, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', OTEL_TRACES_SAMPLER: 'always_on' };
      expect(strayVariables(traced, orderConfigSchema, true, ENTRYPOINT_VARIABLES)).toEqual([]);
      expect(strayVariables({ ...traced, OTEL_EXPORTER_OTLP_ENDPIONT: 'x', OTEL_ANYTHING: 'x' }, orderConfigSchema, true, ENTRYPOINT_VARIABLES)).toEqual([
        'OTEL_EXPORTER_OTLP_ENDPIONT',
        'OTEL_ANYTHING',
      ]);
    });

    it('when an app does not trace, then an OpenTelemetry variable set on it is stray', () => {
      const consoleEnvironment = { SERVICE: 'console', PORT: '3005', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' };
      expect(strayVariables(consoleEnvironment, consoleConfigSchema, false, ENTRYPOINT_VARIABLES)).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT']);
    });

    it('tells an app that traces from one that does not', () => {
      expect(traces('order')).toBe(true);
      expect(traces('console')).toBe(false);
    });
  });
});
