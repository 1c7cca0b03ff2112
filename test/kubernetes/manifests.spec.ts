import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ORDER_ACTIVITY_GROUP, ORDER_ACTIVITY_TOPICS } from '../../apps/order/src/activity/order-activity.group';
import { POINTS_CONSUMER_GROUP } from '../../apps/points/src/points.config';
import { consoleConfigSchema } from '../../apps/console/src/console.config';
import { notificationConfigSchema } from '../../apps/notification/src/notification.config';
import { orderConfigSchema } from '../../apps/order/src/order.config';
import { deadLetterTopicOf, KafkaTopics, kafkaTopics, Queues, rabbitTopology } from '../../libs/messaging/src/topology';
import { loadConfig } from '../../libs/service-kit/src/config';
import { configSchemas, configurationProblems, loopbackDefaultsLeft, readRepoFile, ROOT, SERVICES, strayVariables, traces } from '../support/apps';
import { build, KustomizeError, type Manifest, resourceName } from './support/kustomize';

const KUBERNETES = path.join(ROOT, 'deploy/kubernetes');
const VALIDATOR = path.join(__dirname, 'support/validate-manifests.mjs');
const read = readRepoFile;

/** What the apps' health controllers serve (checked against their source below). */
const HEALTH = { live: '/health/live', ready: '/health/ready' };

// ---------------------------------------------------------------------------------------------------------------
// What the code consumes: each service's queues and consumer group, as its module declares them.

interface Consumption {
  rabbitQueues: string[];
  kafkaGroup: { groupId: string; topics: string[] } | null;
}

/** The constants the modules name for their consumer groups. */
const NAMED_VALUES: Record<string, string | readonly string[]> = { ORDER_ACTIVITY_GROUP, ORDER_ACTIVITY_TOPICS, POINTS_CONSUMER_GROUP };

function namedValue(expression: string, module: string): string | string[] {
  const expressionText = expression.trim();
  const list = /^\[(.*)\]$/s.exec(expressionText);
  if (list) return list[1].split(',').map((item) => String(namedValue(item, module))).filter(Boolean);
  const topic = /^KafkaTopics\.(\w+)$/.exec(expressionText);
  if (topic) return KafkaTopics[topic[1] as keyof typeof KafkaTopics];
  if (expressionText in NAMED_VALUES) {
    const value = NAMED_VALUES[expressionText];
    return typeof value === 'string' ? value : [...value];
  }
  throw new Error(`${module}: cannot tell what ${expressionText} is; add it to NAMED_VALUES`);
}

/** Reads `rabbitQueues` and `kafkaGroup` from the service's PlatformModule.forRoot call. */
function consumptionOf(service: string): Consumption {
  const module = `apps/${service}/src/${service}.module.ts`;
  const source = read(module);
  const queues = /rabbitQueues:\s*\[([^\]]*)\]/.exec(source)?.[1] ?? '';
  const rabbitQueues = [...queues.matchAll(/Queues\.(\w+)/g)].map(([, key]) => {
    const queue = Queues[key as keyof typeof Queues];
    if (!queue) throw new Error(`${module}: Queues.${key} is not in the topology`);
    return queue;
  });
  const group = /kafkaGroup:\s*\{\s*groupId:\s*([^,]+),\s*topics:\s*([^}]+?)\s*\}/.exec(source);
  const kafkaGroup = group
    ? { groupId: String(namedValue(group[1], module)), topics: [namedValue(group[2], module)].flat() }
    : null;
  if (/kafkaGroup:/.test(source) && !kafkaGroup) throw new Error(`${module}: cannot read its kafkaGroup`);
  return { rabbitQueues, kafkaGroup };
}

/** Every topic the platform uses: the event logs and their dead-letter topics. */
const CODE_TOPICS = kafkaTopics.flatMap(({ topic }) => [topic, deadLetterTopicOf(topic)]);

// ---------------------------------------------------------------------------------------------------------------
// Reading the rendered manifests.

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  workingDir?: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: unknown[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
}
interface Deployment extends Manifest {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; initContainers?: Container[] } };
  };
}
interface Trigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}
interface ScaledObject extends Manifest {
  spec: { scaleTargetRef: { name: string; kind?: string }; minReplicaCount?: number; maxReplicaCount?: number; triggers: Trigger[] };
}

class Rendered {
  constructor(readonly manifests: Manifest[]) {}

  all<T extends Manifest = Manifest>(kind: string): T[] {
    return this.manifests.filter((manifest) => manifest.kind === kind) as T[];
  }

  find<T extends Manifest = Manifest>(kind: string, name: string): T | undefined {
    return this.manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name) as T | undefined;
  }

  get<T extends Manifest = Manifest>(kind: string, name: string): T {
    const found = this.find<T>(kind, name);
    if (!found) throw new Error(`no ${kind} named ${name}`);
    return found;
  }

  only<T extends Manifest = Manifest>(kind: string): T {
    const found = this.all<T>(kind);
    if (found.length !== 1) throw new Error(`${found.length} ${kind} resources, not one`);
    return found[0];
  }

  /** A Secret's or ConfigMap's value, as the kubelet hands it to a container. */
  keyValue(kind: 'Secret' | 'ConfigMap', name: string, key: string): string {
    const source = this.get(kind, name) as Manifest & { data?: Record<string, string>; stringData?: Record<string, string> };
    if (kind === 'Secret') {
      const value = source.stringData?.[key] ?? (source.data?.[key] === undefined ? undefined : Buffer.from(source.data[key], 'base64').toString('utf8'));
      if (value === undefined) throw new Error(`the Secret ${name} has no key ${key}`);
      return value;
    }
    const value = source.data?.[key];
    if (value === undefined) throw new Error(`the ConfigMap ${name} has no key ${key}`);
    return value;
  }

  /** A container's environment as the process sees it: references resolved, $(VAR) of an earlier variable expanded. */
  environmentOf(container: Container): Record<string, string> {
    if (container.envFrom !== undefined) throw new Error(`${container.name} uses envFrom: every variable must be listed by name`);
    const environment: Record<string, string> = {};
    for (const variable of container.env ?? []) {
      const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
      if (variable.value !== undefined) {
        environment[variable.name] = variable.value.replace(/\$\((\w+)\)/g, (reference, name: string) => environment[name] ?? reference);
      } else if (secretKeyRef) {
        environment[variable.name] = this.keyValue('Secret', secretKeyRef.name, secretKeyRef.key);
      } else if (configMapKeyRef) {
        environment[variable.name] = this.keyValue('ConfigMap', configMapKeyRef.name, configMapKeyRef.key);
      } else {
        throw new Error(`${container.name}: ${variable.name} has neither a value nor a Secret or ConfigMap reference`);
      }
    }
    return environment;
  }
}

const appContainer = (deployment: Deployment, name: string) => {
  const container = deployment.spec.template.spec.containers.find((candidate) => candidate.name === name);
  if (!container) throw new Error(`the ${name} Deployment has no container named ${name}`);
  return container;
};

/** A probe's or Service's port, by number or by the container port's name. */
function portNumber(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find(({ name }) => name === port)?.containerPort;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

/** CPU in millicores or memory in bytes. */
function quantity(value: string): number {
  const match = /^([0-9.]+)(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/.exec(value);
  if (!match) throw new Error(`${value} is not a quantity`);
  const factors: Record<string, number> = { '': 1, m: 0.001, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(match[1]) * factors[match[2] ?? ''];
}

// ---------------------------------------------------------------------------------------------------------------
// The manifests' schema validation (the environment checks are shared with the compose test: test/support/apps.ts).

interface ValidationResult {
  resource: string;
  errors: string[];
}

/** Runs test/kubernetes/support/validate-manifests.mjs on the manifests. */
function validateManifests(manifests: unknown[]): ValidationResult[] {
  const run = spawnSync(process.execPath, [VALIDATOR], {
    cwd: ROOT,
    input: JSON.stringify(manifests),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`the validator failed (exit ${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as ValidationResult[];
}

const problemsOf = (results: ValidationResult[]) => results.flatMap(({ resource, errors }) => errors.map((error) => `${resource}: ${error}`));

/** The command the image's entrypoint runs for a service: its migrations, and then the app. */
const entrypoint = read('docker/service-entrypoint.sh');
function entrypointCommand(pattern: RegExp, service: string): string[] {
  const line = pattern.exec(entrypoint)?.[1];
  if (!line) throw new Error(`docker/service-entrypoint.sh has no line matching ${pattern}`);
  return line.replace(/\$SERVICE/g, service).replace(/"/g, '').split(/\s+/);
}
const migrateCommand = (service: string) => entrypointCommand(/^\s*(node_modules\/\.bin\/prisma migrate deploy .*)$/m, service);
const serviceCommand = (service: string) => entrypointCommand(/^exec (node .*)$/m, service);
const WORKDIR = [...read('Dockerfile').matchAll(/^WORKDIR (\S+)$/gm)].at(-1)?.[1];

// ---------------------------------------------------------------------------------------------------------------

const KUSTOMIZATIONS = ['base', 'overlays/local'];

describe('deploy/kubernetes', () => {
  it('has a base and the local overlay', () => {
    for (const dir of KUSTOMIZATIONS) expect(existsSync(path.join(KUBERNETES, dir, 'kustomization.yaml'))).toBe(true);
  });

  it("probes the paths the apps' health controllers serve", () => {
    for (const file of ['libs/service-kit/src/platform.controllers.ts', 'apps/console/src/health.controller.ts']) {
      const source = read(file);
      expect(source).toMatch(/@Controller\('health'\)\s*export class HealthController/);
      expect(source).toMatch(/@Get\('live'\)/);
      expect(source).toMatch(/@Get\('ready'\)/);
    }
  });

  describe.each(KUSTOMIZATIONS)('%s, rendered', (dir) => {
    const rendered = new Rendered(build(path.join(KUBERNETES, dir)));
    const namespace = rendered.only('Namespace').metadata.name;
    const deployments = rendered.all<Deployment>('Deployment');

    it('passes the Kubernetes and operator schemas, with no field a schema does not know', () => {
      const results = validateManifests(rendered.manifests);
      expect(results).toHaveLength(rendered.manifests.length);
      expect(problemsOf(results)).toEqual([]);
    }, 60_000);

    it('puts every resource in the namespace, labelled as part of the platform', () => {
      for (const manifest of rendered.manifests) {
        if (manifest.kind !== 'Namespace') expect([resourceName(manifest), manifest.metadata.namespace]).toEqual([resourceName(manifest), namespace]);
        expect(manifest.metadata.labels?.['app.kubernetes.io/part-of']).toBe('order-platform');
      }
    });

    it('runs one image for every app, as compose builds one', () => {
      const images = new Set(
        Object.keys(configSchemas).flatMap((name) => {
          const spec = rendered.get<Deployment>('Deployment', name).spec.template.spec;
          return [...spec.containers, ...(spec.initContainers ?? [])].map(({ image }) => image);
        }),
      );
      expect(images.size).toBe(1);
    });

    it('gives every container CPU and memory requests no larger than its limits', () => {
      for (const deployment of deployments) {
        for (const container of [...deployment.spec.template.spec.containers, ...(deployment.spec.template.spec.initContainers ?? [])]) {
          const { requests = {}, limits = {} } = container.resources ?? {};
          for (const resource of ['cpu', 'memory']) {
            const where = `${deployment.metadata.name}/${container.name} ${resource}`;
            expect([where, typeof requests[resource], typeof limits[resource]]).toEqual([where, 'string', 'string']);
            expect([where, quantity(requests[resource]) <= quantity(limits[resource])]).toEqual([where, true]);
          }
        }
      }
    });

    describe.each(Object.keys(configSchemas))('the %s app', (name) => {
      const schema = configSchemas[name];
      const isService = SERVICES.includes(name);
      const deployment = rendered.get<Deployment>('Deployment', name);
      const container = appContainer(deployment, name);
      const environment = rendered.environmentOf(container);
      const contractPort = (schema.parse({}) as { PORT: number }).PORT;

      it('has an environment that its config schema accepts', () => {
        expect(configurationProblems(environment, schema)).toEqual([]);
      });

      it("starts: it listens beyond its pod's loopback only with an admin key", () => {
        expect(() => loadConfig(name, schema, environment)).not.toThrow();
        expect(environment.HOST).toBe('0.0.0.0');
        expect(environment.API_KEY).toBeDefined();
      });

      it("sets only variables its config schema reads, or OpenTelemetry's when it traces (no stray or misspelled name)", () => {
        expect(strayVariables(environment, schema, traces(name))).toEqual([]);
      });

      it('leaves no setting at a default that points at the loopback interface', () => {
        expect(loopbackDefaultsLeft(environment, schema)).toEqual([]);
      });

      it('listens on its contract port, which its container and its Service expose', () => {
        expect(environment.PORT).toBe(String(contractPort));
        expect(container.ports?.map(({ containerPort }) => containerPort)).toEqual([contractPort]);
        const service = rendered.get<Manifest & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: number | string }[] } }>(
          'Service',
          name,
        );
        expect(selects(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
        expect(service.spec.ports.map(({ port, targetPort }) => [port, portNumber(container, targetPort)])).toEqual([[contractPort, contractPort]]);
      });

      it('selects its own pods', () => {
        expect(selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
        const others = deployments.filter((other) => other !== deployment && selects(deployment.spec.selector.matchLabels, other.spec.template.metadata.labels));
        expect(others.map(({ metadata }) => metadata.name)).toEqual([]);
      });

      it('is live on /health/live and ready on /health/ready, on its port', () => {
        const target = (probe?: Probe) => probe?.httpGet && [probe.httpGet.path, portNumber(container, probe.httpGet.port)];
        expect(target(container.livenessProbe)).toEqual([HEALTH.live, contractPort]);
        expect(target(container.readinessProbe)).toEqual([HEALTH.ready, contractPort]);
        if (container.startupProbe) expect(target(container.startupProbe)).toEqual([HEALTH.live, contractPort]);
      });

      it("runs what the image's entrypoint runs, from its working directory", () => {
        expect(container.command).toEqual(serviceCommand(name));
        expect(container.args).toBeUndefined();
        expect(container.workingDir).toBe(WORKDIR);
      });

      it('may lose one pod at a time to a drain (PodDisruptionBudget)', () => {
        const budgets = rendered
          .all<Manifest & { spec: { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number; minAvailable?: number } }>(
            'PodDisruptionBudget',
          )
          .filter(({ spec }) => selects(spec.selector.matchLabels, deployment.spec.template.metadata.labels));
        expect(budgets).toHaveLength(1);
        expect(budgets[0].spec.maxUnavailable ?? budgets[0].spec.minAvailable).toBeDefined();
      });

      it('sends its spans to the console with the admin key when it traces', () => {
        if (traces(name)) {
          const consolePort = (consoleConfigSchema.parse({}) as { PORT: number }).PORT;
          expect(environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://console:${consolePort}`);
          expect(environment.OTEL_EXPORTER_OTLP_HEADERS).toBe(`x-api-key=${environment.API_KEY}`);
          // $(API_KEY) is expanded only from a variable listed before it.
          const names = (container.env ?? []).map((variable) => variable.name);
          expect(names.indexOf('API_KEY')).toBeLessThan(names.indexOf('OTEL_EXPORTER_OTLP_HEADERS'));
        } else {
          expect(Object.keys(environment).filter((key) => key.startsWith('OTEL_'))).toEqual([]);
        }
      });

      if (isService) {
        const consumption = consumptionOf(name);

        it('traces (its main.ts loads its tracing.ts first)', () => {
          expect(traces(name)).toBe(true);
        });

        it('applies its migrations first, in an init container of the same image, with the entrypoint\'s command', () => {
          const init = deployment.spec.template.spec.initContainers ?? [];
          expect(init.map((candidate) => candidate.name)).toEqual(['migrate']);
          const [migrate] = init;
          expect(migrate.image).toBe(container.image);
          expect(migrate.command).toEqual(migrateCommand(name));
          expect(migrate.workingDir).toBe(WORKDIR);
          // prisma/service-config.ts reads DATABASE_URL alone, from the service's own Secret.
          expect((migrate.env ?? []).map((variable) => variable.name)).toEqual(['DATABASE_URL']);
          const source = (candidate: Container) => candidate.env?.find((variable) => variable.name === 'DATABASE_URL')?.valueFrom;
          expect(source(migrate)).toEqual(source(container));
        });

        it('uses its own database on the CloudNativePG cluster, as its own role, with the password the role is given', () => {
          const cluster = rendered.only<Manifest & { spec: { managed: { roles: { name: string; login?: boolean; passwordSecret?: { name: string } }[] } } }>(
            'Cluster',
          );
          const url = new URL(environment.DATABASE_URL);
          expect([url.hostname, url.port]).toEqual([`${cluster.metadata.name}-rw`, '5432']);
          expect(url.pathname).toBe(`/${name}_service`);
          expect(read('docker/postgres/create-databases.sql')).toMatch(new RegExp(`CREATE DATABASE ${name}_service;`));

          const databases = rendered
            .all<Manifest & { spec: { name: string; owner: string; cluster: { name: string } } }>('Database')
            .filter(({ spec }) => spec.name === `${name}_service`);
          expect(databases.map(({ spec }) => [spec.cluster.name, spec.owner])).toEqual([[cluster.metadata.name, url.username]]);

          const role = cluster.spec.managed.roles.find((candidate) => candidate.name === url.username);
          const secretName = container.env?.find((variable) => variable.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name;
          expect(role?.login).toBe(true);
          expect(role?.passwordSecret?.name).toBe(secretName);
          expect(rendered.keyValue('Secret', secretName!, 'username')).toBe(url.username);
          expect(rendered.keyValue('Secret', secretName!, 'password')).toBe(decodeURIComponent(url.password));
        });

        it('connects to the RabbitMQ cluster as its default user', () => {
          const cluster = rendered.only<Manifest & { spec: { secretBackend: { externalSecret: { name: string } } } }>('RabbitmqCluster');
          const url = new URL(environment.RABBITMQ_URL);
          // KEDA's scaler connects from its own namespace with the same URL.
          expect([url.hostname, url.port]).toEqual([`${cluster.metadata.name}.${namespace}.svc`, '5672']);
          const credentials = cluster.spec.secretBackend.externalSecret.name;
          expect(url.username).toBe(rendered.keyValue('Secret', credentials, 'username'));
          expect(decodeURIComponent(url.password)).toBe(rendered.keyValue('Secret', credentials, 'password'));
        });

        it('connects to the Redis Service', () => {
          const url = new URL(environment.REDIS_URL);
          const service = rendered.get<Manifest & { spec: { selector: Record<string, string>; ports: { port: number }[] } }>('Service', url.hostname);
          expect(service.spec.ports.map(({ port }) => String(port))).toContain(url.port);
          const redis = deployments.filter(({ spec }) => selects(service.spec.selector, spec.template.metadata.labels));
          expect(redis.map(({ spec }) => spec.template.spec.containers[0].image)).toEqual([expect.stringMatching(/^redis:/)]);
        });

        it("connects to the Kafka cluster's plain listener when it uses Kafka", () => {
          if (!('KAFKA_BROKERS' in schema.shape)) return;
          const kafka = rendered.only<Manifest & { spec: { kafka: { listeners: { port: number; type: string; tls: boolean }[] } } }>('Kafka');
          const plain = kafka.spec.kafka.listeners.filter(({ type, tls }) => type === 'internal' && !tls).map(({ port }) => port);
          expect(environment.KAFKA_BROKERS).toBe(`${kafka.metadata.name}-kafka-bootstrap.${namespace}.svc:${plain[0]}`);
        });

        it('is scaled by KEDA on the queues and consumer group it reads, and on nothing else', () => {
          const scaled = rendered.all<ScaledObject>('ScaledObject').filter(({ spec }) => spec.scaleTargetRef.name === name);
          expect(scaled).toHaveLength(1);
          const [{ spec }] = scaled;
          expect(spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
          // The ScaledObject owns the count; a Deployment's own would be set back on every apply.
          expect(deployment.spec.replicas).toBeUndefined();
          expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
          expect(spec.maxReplicaCount).toBeGreaterThanOrEqual(spec.minReplicaCount!);
          expect(spec.triggers.map(({ type }) => type).filter((type) => type !== 'rabbitmq' && type !== 'kafka')).toEqual([]);

          const rabbit = spec.triggers.filter(({ type }) => type === 'rabbitmq');
          expect(rabbit.map(({ metadata }) => metadata.queueName).sort()).toEqual([...consumption.rabbitQueues].sort());
          for (const { metadata, authenticationRef } of rabbit) {
            expect(rabbitTopology.queues.map((queue) => queue.name)).toContain(metadata.queueName);
            expect([metadata.queueName, metadata.protocol, metadata.mode]).toEqual([metadata.queueName, 'amqp', 'QueueLength']);
            expect(metadata.value).toMatch(/^[1-9]\d*$/);
            const authentication = rendered.get<Manifest & { spec: { secretTargetRef: { parameter: string; name: string; key: string }[] } }>(
              'TriggerAuthentication',
              authenticationRef!.name,
            );
            const host = authentication.spec.secretTargetRef.find(({ parameter }) => parameter === 'host');
            expect(rendered.keyValue('Secret', host!.name, host!.key)).toBe(environment.RABBITMQ_URL);
          }

          const kafka = spec.triggers.filter(({ type }) => type === 'kafka');
          expect(kafka.map(({ metadata }) => metadata.topic).sort()).toEqual([...(consumption.kafkaGroup?.topics ?? [])].sort());
          for (const { metadata } of kafka) {
            expect(metadata.consumerGroup).toBe(consumption.kafkaGroup?.groupId);
            expect(metadata.bootstrapServers).toBe(environment.KAFKA_BROKERS);
            expect(metadata.lagThreshold).toMatch(/^[1-9]\d*$/);
            expect(rendered.all<Manifest & { spec: { topicName?: string } }>('KafkaTopic').map((topic) => topic.spec.topicName ?? topic.metadata.name)).toContain(
              metadata.topic,
            );
            // The groups subscribe from the beginning: without a committed offset, a partition is all lag.
            expect(read('libs/messaging/src/kafka/kafka-consumer.ts')).toMatch(/subscribe\(\{[^}]*fromBeginning: true/);
            expect(metadata.offsetResetPolicy).toBe('earliest');
          }
          if (kafka.length > 0 && rabbit.length === 0) {
            // A group has no more active members than its topics have partitions.
            const partitions = (schema.parse(environment) as { KAFKA_TOPIC_PARTITIONS: number }).KAFKA_TOPIC_PARTITIONS;
            expect(spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
          }
        });
      } else {
        it('has no database and no broker, and so no migration and no autoscaling', () => {
          expect(Object.keys(schema.shape).filter((key) => /DATABASE|RABBITMQ|REDIS|KAFKA/.test(key))).toEqual([]);
          expect(deployment.spec.template.spec.initContainers).toBeUndefined();
          expect(rendered.all<ScaledObject>('ScaledObject').filter(({ spec }) => spec.scaleTargetRef.name === name)).toEqual([]);
          // It keeps the spans in memory: one instance.
          expect(deployment.spec.replicas).toBe(1);
        });

        it("reads every service at its Service and contract port, with the services' admin key", () => {
          for (const serviceName of SERVICES) {
            const port = (configSchemas[serviceName].parse({}) as { PORT: number }).PORT;
            expect(environment[`${serviceName.toUpperCase()}_URL`]).toBe(`http://${serviceName}:${port}`);
            expect(rendered.get<Manifest & { spec: { ports: { port: number }[] } }>('Service', serviceName).spec.ports[0].port).toBe(port);
            expect(environment.API_KEY).toBe(rendered.environmentOf(appContainer(rendered.get<Deployment>('Deployment', serviceName), serviceName)).API_KEY);
          }
        });
      }
    });

    describe('Kafka (Strimzi)', () => {
      const kafka = rendered.only<Manifest & { spec: { kafka: { config: Record<string, unknown> }; entityOperator?: { topicOperator?: object } } }>('Kafka');
      const pools = rendered.all<Manifest & { spec: { replicas: number; roles: string[] } }>('KafkaNodePool');
      const topics = rendered.all<Manifest & { spec: { topicName?: string; partitions: number; replicas: number; config: Record<string, unknown> } }>(
        'KafkaTopic',
      );
      const topicName = (topic: (typeof topics)[number]) => topic.spec.topicName ?? topic.metadata.name;
      const kafkaServices = SERVICES.filter((name) => 'KAFKA_BROKERS' in configSchemas[name].shape);

      it('declares a KafkaTopic for every topic the code uses, and for no other', () => {
        expect(topics.map(topicName).sort()).toEqual([...CODE_TOPICS].sort());
      });

      it('gives each topic the partitions the services would create it with, three replicas and min.insync.replicas 2', () => {
        const partitions = new Set(
          kafkaServices.map((name) => {
            const environment = rendered.environmentOf(appContainer(rendered.get<Deployment>('Deployment', name), name));
            return (configSchemas[name].parse(environment) as { KAFKA_TOPIC_PARTITIONS: number }).KAFKA_TOPIC_PARTITIONS;
          }),
        );
        expect(partitions.size).toBe(1);
        for (const topic of topics) {
          expect([topicName(topic), topic.spec.partitions, topic.spec.replicas, Number(topic.spec.config['min.insync.replicas'])]).toEqual([
            topicName(topic),
            [...partitions][0],
            3,
            2,
          ]);
          expect(topic.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
        }
      });

      it('runs in KRaft mode on node pools with controllers and brokers, enough brokers for three replicas', () => {
        for (const pool of pools) expect(pool.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
        const count = (role: string) => pools.filter(({ spec }) => spec.roles.includes(role)).reduce((sum, { spec }) => sum + spec.replicas, 0);
        expect(count('controller')).toBeGreaterThanOrEqual(3);
        expect(count('broker')).toBeGreaterThanOrEqual(3);
        expect(kafka.spec).not.toHaveProperty('zookeeper');
      });

      it('has the Topic Operator manage the topics, and no other way for a misspelled topic to appear', () => {
        expect(kafka.spec.entityOperator?.topicOperator).toBeDefined();
        expect(String(kafka.spec.kafka.config['auto.create.topics.enable'])).toBe('false');
      });

      it('gives a topic a service creates first the replication the KafkaTopics declare', () => {
        // ensureTopics asks for the broker's default replication factor.
        const ensureTopics = read('libs/messaging/src/kafka/kafka-client.ts');
        expect(ensureTopics).toMatch(/createTopics\(/);
        expect(ensureTopics).not.toMatch(/replicationFactor:/);
        expect(Number(kafka.spec.kafka.config['default.replication.factor'])).toBe(3);
        expect(Number(kafka.spec.kafka.config['min.insync.replicas'])).toBe(2);
        expect(Number(kafka.spec.kafka.config['offsets.topic.replication.factor'])).toBe(3);
      });
    });

    describe('PostgreSQL (CloudNativePG) and RabbitMQ (cluster operator)', () => {
      it('creates the databases compose creates, one per service, each owned by a role of its own', () => {
        const expected = [...read('docker/postgres/create-databases.sql').matchAll(/^CREATE DATABASE (\w+);$/gm)].map(([, database]) => database);
        const databases = rendered.all<Manifest & { spec: { name: string; owner: string } }>('Database');
        expect(databases.map(({ spec }) => spec.name).sort()).toEqual(expected.sort());
        expect(new Set(databases.map(({ spec }) => spec.owner)).size).toBe(databases.length);
      });

      it('gives the RabbitMQ cluster a default user whose configuration and URL carry the same password', () => {
        const cluster = rendered.only<Manifest & { spec: { secretBackend: { externalSecret: { name: string } } } }>('RabbitmqCluster');
        const secret = cluster.spec.secretBackend.externalSecret.name;
        const [username, password] = ['username', 'password'].map((key) => rendered.keyValue('Secret', secret, key));
        expect(rendered.keyValue('Secret', secret, 'default_user.conf')).toBe(`default_user = ${username}\ndefault_pass = ${password}\n`);
        const url = new URL(rendered.keyValue('Secret', secret, 'url'));
        expect([url.username, decodeURIComponent(url.password)]).toEqual([username, password]);
        expect(`${url.hostname}:${url.port}`).toBe(`${rendered.keyValue('Secret', secret, 'host')}:${rendered.keyValue('Secret', secret, 'port')}`);
      });
    });
  });

  describe('the base', () => {
    const rendered = new Rendered(build(path.join(KUBERNETES, 'base')));

    it('runs three RabbitMQ nodes, three PostgreSQL instances and at least two instances of each service', () => {
      expect((rendered.only('RabbitmqCluster') as Manifest & { spec: { replicas: number } }).spec.replicas).toBe(3);
      expect((rendered.only('Cluster') as Manifest & { spec: { instances: number } }).spec.instances).toBe(3);
      for (const scaled of rendered.all<ScaledObject>('ScaledObject')) expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(2);
    });
  });

  describe('the local overlay', () => {
    const base = new Rendered(build(path.join(KUBERNETES, 'base')));
    const local = new Rendered(build(path.join(KUBERNETES, 'overlays/local')));

    it('is the base, resource for resource, with one PostgreSQL instance, one RabbitMQ node and one instance of each service at rest', () => {
      expect(local.manifests.map(resourceName)).toEqual(base.manifests.map(resourceName));
      expect((local.only('Cluster') as Manifest & { spec: { instances: number } }).spec.instances).toBe(1);
      expect((local.only('RabbitmqCluster') as Manifest & { spec: { replicas: number } }).spec.replicas).toBe(1);
      for (const scaled of local.all<ScaledObject>('ScaledObject')) expect(scaled.spec.minReplicaCount).toBe(1);
    });

    it('gives every container at most what the base gives it', () => {
      for (const deployment of base.all<Deployment>('Deployment')) {
        const smaller = local.get<Deployment>('Deployment', deployment.metadata.name);
        const containers = (spec: Deployment['spec']) => [...spec.template.spec.containers, ...(spec.template.spec.initContainers ?? [])];
        for (const container of containers(deployment.spec)) {
          const patched = containers(smaller.spec).find(({ name }) => name === container.name)!;
          for (const bound of ['requests', 'limits'] as const) {
            for (const resource of ['cpu', 'memory']) {
              const where = `${deployment.metadata.name}/${container.name} ${bound}.${resource}`;
              expect([where, quantity(patched.resources![bound]![resource]) <= quantity(container.resources![bound]![resource])]).toEqual([where, true]);
            }
          }
        }
      }
    });
  });

  describe('the checks themselves', () => {
    const base = new Rendered(build(path.join(KUBERNETES, 'base')));
    const order = base.get<Deployment>('Deployment', 'order');

    it('when a manifest has a field of the wrong type, an unknown field, or no schema, then the validator says so', () => {
      const wrongType = structuredClone(order);
      (wrongType.spec as { replicas: unknown }).replicas = 'two';
      const misspelled = structuredClone(order);
      (misspelled.spec.template.spec.containers[0] as unknown as Record<string, unknown>).readinessProbes = { httpGet: { path: '/health/ready', port: 'http' } };
      const topic = structuredClone(base.all('KafkaTopic')[0]) as Manifest & { spec: Record<string, unknown> };
      topic.spec.partitions = 'three';
      const rabbit = structuredClone(base.only('RabbitmqCluster')) as Manifest & { spec: Record<string, unknown> };
      rabbit.spec.replica = 3;
      const scaled = structuredClone(base.all('ScaledObject')[0]) as ScaledObject;
      (scaled.spec.triggers[0].metadata as Record<string, unknown>).value = 1000;
      const unknownKind = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray' } };

      const results = validateManifests([order, wrongType, misspelled, topic, rabbit, scaled, unknownKind]);
      expect(results.map(({ errors }) => errors)).toEqual([
        [],
        [expect.stringMatching(/spec\/replicas must be integer/)],
        ['spec.template.spec.containers.0.readinessProbes: not a field of its schema'],
        [expect.stringMatching(/spec\/partitions must be integer/)],
        ['RabbitmqCluster.spec.replica: not a field of its schema'],
        [expect.stringMatching(/triggers\/0\/metadata\/value must be string/)],
        ['no schema for v1/Pod'],
      ]);
    }, 60_000);

    it('when a variable is misspelled or not the app\'s, then the environment checks report it', () => {
      const environment = base.environmentOf(appContainer(order, 'order'));
      const { DATABASE_URL, ...rest } = environment;
      expect(strayVariables({ ...rest, DATABSE_URL: DATABASE_URL }, orderConfigSchema, true)).toEqual(['DATABSE_URL']);
      expect(loopbackDefaultsLeft(rest, orderConfigSchema)).toEqual(['DATABASE_URL']);
      expect(configurationProblems({ ...environment, KAFKA_TOPIC_PARTITIONS: 'three' }, orderConfigSchema)).toEqual([
        expect.stringMatching(/^KAFKA_TOPIC_PARTITIONS: /),
      ]);
      const notification = base.environmentOf(appContainer(base.get<Deployment>('Deployment', 'notification'), 'notification'));
      expect(strayVariables({ ...notification, KAFKA_BROKERS: environment.KAFKA_BROKERS }, notificationConfigSchema, true)).toEqual(['KAFKA_BROKERS']);
    });

    it('reads what each service consumes from its module', () => {
      expect(consumptionOf('order')).toEqual({ rabbitQueues: [Queues.orderSagaReplies], kafkaGroup: { groupId: 'order-activity', topics: ['orders', 'payments', 'inventory'] } });
      expect(consumptionOf('points')).toEqual({ rabbitQueues: [], kafkaGroup: { groupId: 'points', topics: ['orders'] } });
      expect(consumptionOf('notification').rabbitQueues).toHaveLength(5);
      expect(consumptionOf('notification').kafkaGroup).toBeNull();
    });

    describe('the kustomization renderer', () => {
      let dir: string;
      const write = (file: string, text: string) => {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      };
      const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: web:1
          env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
          resources:
            limits: {cpu: "1", memory: 1Gi}
`;
      const kustomization = (fields: string) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${fields}`;

      beforeEach(() => {
        dir = mkdtempSync(path.join(os.tmpdir(), 'kustomize-'));
        write('base/web.yaml', deployment);
        write('base/kustomization.yaml', kustomization('namespace: shop\nlabels:\n  - pairs: {team: a}\nresources:\n  - web.yaml\n'));
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      it('when an overlay patches its base, then it renders as kustomize does: patches, then namespace and labels', () => {
        write(
          'overlay/patch.yaml',
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - {name: B, value: "3"}\n          resources:\n            limits: {memory: null}\n',
        );
        write('overlay/kustomization.yaml', kustomization('resources:\n  - ../base\npatches:\n  - path: patch.yaml\n'));
        const [web] = build(path.join(dir, 'overlay')) as Deployment[];
        expect(web.metadata).toEqual({ name: 'web', namespace: 'shop', labels: { team: 'a' } });
        expect(web.spec.replicas).toBe(2);
        expect(web.spec.selector.matchLabels).toEqual({ app: 'web' });
        expect(web.spec.template.metadata.labels).toEqual({ app: 'web' });
        expect(web.spec.template.spec.containers[0].env).toEqual([
          { name: 'A', value: '1' },
          { name: 'B', value: '3' },
        ]);
        expect(web.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: '1' } });
      });

      it.each([
        ['a field it does not render', 'images:\n  - {name: web, newTag: "2"}\nresources:\n  - ../base\n', /images is not supported/],
        ['commonLabels, which also rewrites selectors', 'commonLabels: {team: b}\nresources:\n  - ../base\n', /commonLabels is not supported/],
        ['a patch with a target', 'resources:\n  - ../base\npatches:\n  - path: patch.yaml\n    target: {kind: Deployment}\n', /target is not supported/],
        ['a remote resource', 'resources:\n  - https://example.com/web.yaml\n', /only relative paths/],
        ['labels that reach selectors', 'labels:\n  - pairs: {team: b}\n    includeSelectors: true\nresources:\n  - ../base\n', /includeSelectors true/],
      ])('when an overlay uses %s, then it refuses to render', (_case, fields, message) => {
        write('overlay/patch.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n');
        write('overlay/kustomization.yaml', kustomization(fields));
        expect(() => build(path.join(dir, 'overlay'))).toThrow(KustomizeError);
        expect(() => build(path.join(dir, 'overlay'))).toThrow(message);
      });

      it.each([
        ['matches no resource', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n', /matches 0 resources/],
        ['adds a list element', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: sidecar\n          image: x\n', /adding one is not supported/],
        ['merges a list it has no key for', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      tolerations:\n        - {key: a}\n', /not one this renderer knows how to merge/],
        ['uses a directive', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  $patch: replace\n', /directive/],
      ])('when a patch %s, then it refuses to render', (_case, patch, message) => {
        write('overlay/patch.yaml', patch);
        write('overlay/kustomization.yaml', kustomization('resources:\n  - ../base\npatches:\n  - path: patch.yaml\n'));
        expect(() => build(path.join(dir, 'overlay'))).toThrow(message);
      });

      it('when a resource file is outside the kustomization\'s folder, then it refuses it, as kustomize\'s load restrictor does', () => {
        write('overlay/kustomization.yaml', kustomization('resources:\n  - ../base/web.yaml\n'));
        expect(() => build(path.join(dir, 'overlay'))).toThrow(/outside/);
      });
    });
  });
});
