// Validates Kubernetes manifests against the API's schemas and the operators' CRD schemas (the kubernetes-models
// packages), and reports fields no schema knows. Reads a JSON array of manifests on stdin and prints a JSON array
// of { resource, errors } in the same order, errors empty for a valid manifest.
//
// A child process of test/kubernetes/manifests.spec.ts, in plain Node: the Strimzi and CloudNativePG models are ES
// modules only, which Jest's CommonJS runtime cannot load.
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Affinity, ResourceRequirements, Toleration } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Cluster, Database } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1';
import { Kafka, KafkaNodePool, KafkaTopic } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1';

const MODELS = [
  Namespace, ConfigMap, Secret, Service, Deployment, StatefulSet, Job, PodDisruptionBudget,
  ScaledObject, TriggerAuthentication, Cluster, Database, Kafka, KafkaNodePool, KafkaTopic,
];

/**
 * Where a schema accepts any field (x-kubernetes-preserve-unknown-fields, or no type): its children are not
 * checked for unknown names. `*` stands for any one key or list index.
 */
const FREE_FORM = {
  'kafka.strimzi.io/v1/Kafka': ['spec.kafka.config'],
  'kafka.strimzi.io/v1/KafkaTopic': ['spec.config'],
};

/** A value no schema type accepts: put in place of a field, it fails validation exactly when the schema knows the field. */
const PROBE = Symbol('probe');

/** The errors of one value against a model's schema, or none. */
function schemaErrors(Model, value) {
  try {
    new Model(value).validate();
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

/**
 * The fields of `value` its schema does not know. The Kubernetes schemas leave additional properties allowed, so a
 * misspelled field (`readinessProbes`) passes validation; kubectl's strict field validation refuses it. Each field
 * is replaced in turn by PROBE: a known field then fails, an unknown one does not.
 */
function unknownFields(Model, value, freeForm = []) {
  const unknown = [];
  const matches = (pattern, at) => {
    const parts = pattern.split('.');
    return parts.length === at.length && parts.every((part, index) => part === '*' || part === String(at[index]));
  };
  const visit = (node, at) => {
    if (Array.isArray(node)) {
      node.forEach((element, index) => visit(element, [...at, index]));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    if (freeForm.some((pattern) => matches(pattern, at))) return;
    for (const key of Object.keys(node)) {
      const probe = JSON.parse(JSON.stringify(value));
      let parent = probe;
      for (const part of at) parent = parent[part];
      parent[key] = PROBE;
      if (schemaErrors(Model, probe).length === 0) unknown.push([...at, key].join('.'));
      else visit(node[key], [...at, key]);
    }
  };
  visit(value, []);
  return unknown.map((field) => `${field}: not a field of its schema`);
}

function modelErrors(Model, value, freeForm) {
  const errors = schemaErrors(Model, value);
  return errors.length > 0 ? errors : unknownFields(Model, value, freeForm);
}

/**
 * rabbitmq.com/v1beta1 RabbitmqCluster. No kubernetes-models package for the RabbitMQ cluster operator could be
 * had, so this checks the fields of its RabbitmqClusterSpec that this repository may set, as the operator's API
 * reference describes them, and refuses any other field. The Kubernetes types inside (resources, affinity,
 * tolerations, metadata) are checked against the API's schemas.
 */
const is = {
  string: (max = Infinity) => (value, at) =>
    typeof value === 'string' && value.length <= max ? [] : [`${at}: must be a string${max < Infinity ? ` of at most ${max} characters` : ''}`],
  integer: (min) => (value, at) => (Number.isInteger(value) && value >= min ? [] : [`${at}: must be an integer >= ${min}`]),
  boolean: () => (value, at) => (typeof value === 'boolean' ? [] : [`${at}: must be a boolean`]),
  oneOf: (values) => (value, at) => (values.includes(value) ? [] : [`${at}: must be one of ${values.join(', ')}`]),
  quantity: () => (value, at) =>
    typeof value === 'string' && /^[0-9.]+([KMGTPE]i?|m|k)?$/.test(value) ? [] : [`${at}: must be a quantity (10Gi)`],
  stringMap: () => (value, at) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')
      ? []
      : [`${at}: must map names to strings`],
  list: (element) => (value, at) =>
    Array.isArray(value) ? value.flatMap((item, index) => element(item, `${at}.${index}`)) : [`${at}: must be a list`],
  model: (Model) => (value, at) => modelErrors(Model, value).map((error) => `${at}: ${error.replace(/^data\/?/, '')}`),
  object: (fields, required = []) => (value, at) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: must be a map`];
    return [
      ...required.filter((key) => value[key] === undefined).map((key) => `${at}.${key}: is required`),
      ...Object.entries(value).flatMap(([key, field]) =>
        fields[key] ? fields[key](field, `${at}.${key}`) : [`${at}.${key}: not a field of its schema`],
      ),
    ];
  },
};
// The schema checks metadata where a ConfigMap holds it: the same ObjectMeta.
const objectMeta = () => (value, at) => is.model(ConfigMap)({ metadata: value }, at).map((error) => error.replace(`${at}: metadata`, `${at}`));

const rabbitmqCluster = is.object(
  {
    apiVersion: is.oneOf(['rabbitmq.com/v1beta1']),
    kind: is.oneOf(['RabbitmqCluster']),
    metadata: objectMeta(),
    spec: is.object({
      replicas: is.integer(0),
      image: is.string(),
      imagePullSecrets: is.list(is.object({ name: is.string() })),
      service: is.object({ type: is.oneOf(['ClusterIP', 'LoadBalancer', 'NodePort']), annotations: is.stringMap() }),
      persistence: is.object({ storageClassName: is.string(), storage: is.quantity() }),
      resources: is.model(ResourceRequirements),
      affinity: is.model(Affinity),
      tolerations: is.list(is.model(Toleration)),
      rabbitmq: is.object({
        additionalPlugins: is.list((value, at) => (typeof value === 'string' && /^\w+$/.test(value) && value.length <= 100 ? [] : [`${at}: must be a plugin name`])),
        additionalConfig: is.string(2000),
        advancedConfig: is.string(100_000),
        envConfig: is.string(100_000),
      }),
      secretBackend: is.object({ externalSecret: is.object({ name: is.string() }) }),
      terminationGracePeriodSeconds: is.integer(0),
      skipPostDeploySteps: is.boolean(),
    }),
  },
  ['apiVersion', 'kind', 'metadata'],
);

function validate(manifest) {
  const id = `${manifest?.apiVersion}/${manifest?.kind}`;
  if (id === 'rabbitmq.com/v1beta1/RabbitmqCluster') return rabbitmqCluster(manifest, 'RabbitmqCluster');
  const Model = MODELS.find((model) => `${model.apiVersion}/${model.kind}` === id);
  if (!Model) return [`no schema for ${id}`];
  return modelErrors(Model, manifest, FREE_FORM[id]);
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const manifests = JSON.parse(input);
  const results = manifests.map((manifest) => ({
    resource: `${manifest?.kind} ${manifest?.metadata?.name}`,
    errors: validate(manifest),
  }));
  process.stdout.write(JSON.stringify(results));
});
