import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Renders a kustomization as `kustomize build` does, for the few fields deploy/kubernetes uses, so the tests can
 * read what a cluster would be given without a kustomize binary. Every other field, and every case of these
 * fields this code does not reproduce, is refused with an error rather than skipped: what it renders is either
 * what kustomize renders or nothing.
 *
 * Supported:
 * - `resources`: files (every YAML document in them) inside the kustomization's folder, and folders holding a
 *   kustomization.yaml, rendered first (their own namespace, labels and patches applied), in the listed order.
 * - `patches`: `path` entries only, each a file of strategic-merge patches without `target`, matched to one
 *   resource by apiVersion, kind, name and (when the patch names one) namespace, applied before the transformers
 *   below, as kustomize orders them.
 * - `namespace`: set on every resource that is not cluster-scoped.
 * - `labels`: `pairs` added to every resource's metadata.labels, with `includeSelectors` and `includeTemplates`
 *   false (selectors and pod templates left alone).
 */

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'namespace', 'labels']);

/** Kinds without a namespace, which the namespace transformer leaves alone. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'ClusterTriggerAuthentication',
  'ClusterImageCatalog',
]);

/** Kinds whose other fields kustomize's namespace transformer rewrites too (subjects, webhook services): not reproduced. */
const NAMESPACE_SPECIAL_CASES = new Set([
  'RoleBinding',
  'ClusterRoleBinding',
  'ClusterRole',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'CustomResourceDefinition',
]);

/**
 * Lists a strategic-merge patch may merge, by the key that identifies an element (from the Kubernetes API's
 * patchMergeKey), for the built-in kinds with a pod template. Any other list in a patch is refused: for a custom
 * resource kustomize guesses a key from the elements' fields, which this code does not reproduce.
 */
const POD_TEMPLATE_LISTS: Record<string, string> = {
  'spec.template.spec.containers': 'name',
  'spec.template.spec.initContainers': 'name',
  'spec.template.spec.volumes': 'name',
  'spec.template.spec.containers.*.env': 'name',
  'spec.template.spec.containers.*.ports': 'containerPort',
  'spec.template.spec.containers.*.volumeMounts': 'mountPath',
  'spec.template.spec.initContainers.*.env': 'name',
  'spec.template.spec.initContainers.*.volumeMounts': 'mountPath',
};
const MERGE_KEYS: Record<string, Record<string, string>> = {
  'apps/v1/Deployment': POD_TEMPLATE_LISTS,
  'apps/v1/StatefulSet': POD_TEMPLATE_LISTS,
  'batch/v1/Job': POD_TEMPLATE_LISTS,
  'v1/Service': { 'spec.ports': 'port' },
};

export class KustomizeError extends Error {
  override readonly name = 'KustomizeError';
}

interface Resource {
  manifest: Manifest;
  /** Every namespace the resource has had, '' for none: kustomize matches a patch against any of its ids. */
  namespaces: Set<string>;
}

/** The resources `kustomize build <dir>` prints, in the order they were listed. */
export function build(dir: string): Manifest[] {
  return buildResources(path.resolve(dir)).map(({ manifest }) => manifest);
}

function buildResources(dir: string): Resource[] {
  const file = path.join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new KustomizeError(`${dir} has no kustomization.yaml`);
  const kustomization = parseSingle(file) as Record<string, unknown>;
  for (const field of Object.keys(kustomization)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) throw new KustomizeError(`${file}: the field ${field} is not supported by this renderer`);
  }
  if (kustomization.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || kustomization.kind !== 'Kustomization') {
    throw new KustomizeError(`${file}: must be apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization`);
  }

  const resources: Resource[] = [];
  for (const entry of listOf(kustomization.resources, 'resources', file)) {
    if (typeof entry !== 'string') throw new KustomizeError(`${file}: each resource must be a path`);
    for (const resource of loadResource(dir, entry, file)) {
      const clash = resources.find((other) => sameId(other.manifest, resource.manifest));
      if (clash) throw new KustomizeError(`${file}: ${resourceName(resource.manifest)} is listed twice`);
      resources.push(resource);
    }
  }

  for (const entry of listOf(kustomization.patches, 'patches', file)) applyPatches(resources, dir, entry, file);
  if (kustomization.namespace !== undefined) setNamespace(resources, kustomization.namespace, file);
  for (const entry of listOf(kustomization.labels, 'labels', file)) addLabels(resources, entry, file);
  return resources;
}

function loadResource(dir: string, entry: string, file: string): Resource[] {
  if (/^[a-z][\w+.-]*:\/\//i.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) || path.isAbsolute(entry)) {
    throw new KustomizeError(`${file}: ${entry}: only relative paths are supported`);
  }
  const target = path.resolve(dir, entry);
  if (!existsSync(target)) throw new KustomizeError(`${file}: ${entry} does not exist`);
  if (statSync(target).isDirectory()) return buildResources(target);
  // kustomize's default load restrictor: a file must be inside the kustomization's folder.
  if (path.relative(dir, target).startsWith('..')) throw new KustomizeError(`${file}: ${entry} is outside ${dir}`);
  return parseAll(target).map((document) => {
    const manifest = asManifest(document, target);
    return { manifest, namespaces: new Set([manifest.metadata.namespace ?? '']) };
  });
}

function applyPatches(resources: Resource[], dir: string, entry: unknown, file: string): void {
  if (!isObject(entry)) throw new KustomizeError(`${file}: each patch must be a map`);
  for (const field of Object.keys(entry)) {
    if (field !== 'path') throw new KustomizeError(`${file}: the patch field ${field} is not supported by this renderer (only path)`);
  }
  if (typeof entry.path !== 'string') throw new KustomizeError(`${file}: a patch needs a path`);
  const patchFile = path.resolve(dir, entry.path);
  if (path.relative(dir, patchFile).startsWith('..')) throw new KustomizeError(`${file}: ${entry.path} is outside ${dir}`);
  if (!existsSync(patchFile)) throw new KustomizeError(`${file}: ${entry.path} does not exist`);
  for (const document of parseAll(patchFile)) {
    const patch = asManifest(document, patchFile);
    const namespace = patch.metadata.namespace ?? '';
    const targets = resources.filter(
      ({ manifest, namespaces }) =>
        manifest.apiVersion === patch.apiVersion &&
        manifest.kind === patch.kind &&
        manifest.metadata.name === patch.metadata.name &&
        [...namespaces].some((candidate) => effectiveNamespace(candidate) === effectiveNamespace(namespace)),
    );
    if (targets.length !== 1) {
      throw new KustomizeError(`${patchFile}: ${resourceName(patch)} matches ${targets.length} resources, not one`);
    }
    const [target] = targets;
    const merged = mergeObject(target.manifest, patch, [], mergeKeysOf(patch), patchFile) as Manifest;
    target.manifest = asManifest(merged, patchFile);
  }
}

/** A strategic-merge patch of one map: null deletes, maps merge, keyed lists merge by key, anything else replaces. */
function mergeObject(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  at: string[],
  mergeKeys: Record<string, string> | undefined,
  file: string,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const here = [...at, key];
    if (key.startsWith('$')) throw new KustomizeError(`${file}: the directive ${here.join('.')} is not supported by this renderer`);
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, here, mergeKeys, file);
    } else if (isObject(value) && isObject(result[key])) {
      result[key] = mergeObject(result[key] as Record<string, unknown>, value, here, mergeKeys, file);
    } else {
      refuseDirectives(value, here, file);
      result[key] = structuredClone(value);
    }
  }
  return result;
}

function mergeList(
  target: unknown,
  patch: unknown[],
  at: string[],
  mergeKeys: Record<string, string> | undefined,
  file: string,
): unknown[] {
  const pattern = at.map((part) => (/^\d+$/.test(part) ? '*' : part)).join('.');
  const key = mergeKeys?.[pattern];
  if (!key) throw new KustomizeError(`${file}: the list ${at.join('.')} is not one this renderer knows how to merge`);
  if (!Array.isArray(target)) throw new KustomizeError(`${file}: ${at.join('.')} is not a list in the resource`);
  const result = [...target];
  for (const element of patch) {
    if (!isObject(element) || element[key] === undefined) throw new KustomizeError(`${file}: each element of ${at.join('.')} needs its ${key}`);
    const index = result.findIndex((existing) => isObject(existing) && existing[key] === element[key]);
    // Where kustomize puts a new element is not reproduced (it matters to env, whose $(VAR) reads earlier ones).
    if (index < 0) throw new KustomizeError(`${file}: ${at.join('.')} has no element with ${key} ${String(element[key])}; adding one is not supported`);
    result[index] = mergeObject(result[index] as Record<string, unknown>, element, [...at, String(index)], mergeKeys, file);
  }
  return result;
}

/** kustomize's patch directives ($patch, $retainKeys, $setElementOrder/…) are not reproduced. */
function refuseDirectives(value: unknown, at: string[], file: string): void {
  if (Array.isArray(value)) value.forEach((element, index) => refuseDirectives(element, [...at, String(index)], file));
  if (!isObject(value)) return;
  for (const [key, nested] of Object.entries(value)) {
    if (key.startsWith('$')) throw new KustomizeError(`${file}: the directive ${[...at, key].join('.')} is not supported by this renderer`);
    refuseDirectives(nested, [...at, key], file);
  }
}

function mergeKeysOf(patch: Manifest): Record<string, string> | undefined {
  return MERGE_KEYS[`${patch.apiVersion}/${patch.kind}`];
}

function setNamespace(resources: Resource[], namespace: unknown, file: string): void {
  if (typeof namespace !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    throw new KustomizeError(`${file}: namespace must be a namespace name`);
  }
  for (const resource of resources) {
    const { kind } = resource.manifest;
    if (NAMESPACE_SPECIAL_CASES.has(kind)) throw new KustomizeError(`${file}: the namespace of a ${kind} is not supported by this renderer`);
    if (CLUSTER_SCOPED.has(kind)) continue;
    resource.manifest = { ...resource.manifest, metadata: { ...resource.manifest.metadata, namespace } };
    resource.namespaces.add(namespace);
  }
}

function addLabels(resources: Resource[], entry: unknown, file: string): void {
  if (!isObject(entry)) throw new KustomizeError(`${file}: each labels entry must be a map`);
  for (const field of Object.keys(entry)) {
    if (!['pairs', 'includeSelectors', 'includeTemplates'].includes(field)) {
      throw new KustomizeError(`${file}: the labels field ${field} is not supported by this renderer`);
    }
  }
  for (const flag of ['includeSelectors', 'includeTemplates']) {
    if (entry[flag] !== undefined && entry[flag] !== false) {
      throw new KustomizeError(`${file}: labels with ${flag} true are not supported by this renderer`);
    }
  }
  const pairs = entry.pairs;
  if (!isObject(pairs) || Object.values(pairs).some((value) => typeof value !== 'string')) {
    throw new KustomizeError(`${file}: labels pairs must map names to strings`);
  }
  for (const resource of resources) {
    const { metadata } = resource.manifest;
    resource.manifest = { ...resource.manifest, metadata: { ...metadata, labels: { ...metadata.labels, ...(pairs as Record<string, string>) } } };
  }
}

function parseAll(file: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'));
  if (!Array.isArray(documents)) throw new KustomizeError(`${file}: not YAML`);
  return documents
    .map((document) => {
      if (document.errors.length > 0) throw new KustomizeError(`${file}: ${document.errors[0].message}`);
      return document.toJS({ maxAliasCount: 0 }) as unknown;
    })
    .filter((document) => document !== null && document !== undefined);
}

function parseSingle(file: string): unknown {
  const documents = parseAll(file);
  if (documents.length !== 1) throw new KustomizeError(`${file}: must hold one YAML document`);
  return documents[0];
}

function asManifest(document: unknown, file: string): Manifest {
  if (!isObject(document)) throw new KustomizeError(`${file}: a document is not a map`);
  const { apiVersion, kind, metadata } = document;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !isObject(metadata) || typeof metadata.name !== 'string') {
    throw new KustomizeError(`${file}: every document needs apiVersion, kind and metadata.name`);
  }
  return document as Manifest;
}

function listOf(value: unknown, field: string, file: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new KustomizeError(`${file}: ${field} must be a list`);
  return value;
}

/** kustomize takes no namespace to mean `default`. */
const effectiveNamespace = (namespace: string) => namespace || 'default';

function sameId(a: Manifest, b: Manifest): boolean {
  const group = (manifest: Manifest) => (manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/')[0] : '');
  return (
    group(a) === group(b) &&
    a.kind === b.kind &&
    a.metadata.name === b.metadata.name &&
    effectiveNamespace(a.metadata.namespace ?? '') === effectiveNamespace(b.metadata.namespace ?? '')
  );
}

export const resourceName = (manifest: Manifest) =>
  `${manifest.kind} ${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ''}${manifest.metadata.name}`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
