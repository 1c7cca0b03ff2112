import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { consoleConfigSchema } from '../../apps/console/src/console.config';
import { inventoryConfigSchema } from '../../apps/inventory/src/inventory.config';
import { notificationConfigSchema } from '../../apps/notification/src/notification.config';
import { orderConfigSchema } from '../../apps/order/src/order.config';
import { paymentConfigSchema } from '../../apps/payment/src/payment.config';
import { pointsConfigSchema } from '../../apps/points/src/points.config';
import { TRACING_VARIABLES } from '../../libs/tracing/src/tracing-settings';

/** What the deployment tests (compose, Kubernetes) check each app's configuration against. */
export const ROOT = path.resolve(__dirname, '../..');
export const readRepoFile = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

export const configSchemas: Record<string, z.ZodObject> = {
  order: orderConfigSchema,
  inventory: inventoryConfigSchema,
  payment: paymentConfigSchema,
  notification: notificationConfigSchema,
  points: pointsConfigSchema,
  console: consoleConfigSchema,
};

/** The services behind the console: each has its own database and brokers, and the console reads them over HTTP. */
export const SERVICES = ['order', 'inventory', 'payment', 'notification', 'points'];

/** An app traces when its main.ts loads its tracing.ts (startTracing) first. */
export const traces = (name: string) =>
  existsSync(path.join(ROOT, `apps/${name}/src/tracing.ts`)) && /^import '\.\/tracing';$/m.test(readRepoFile(`apps/${name}/src/main.ts`));

/** A variable a traced app may be given besides its own config: OpenTelemetry's, read by libs/tracing and the SDK. */
export const isTracingVariable = (key: string) => (TRACING_VARIABLES as readonly string[]).includes(key);

/** Variables an app is given that its config does not read: not OpenTelemetry's for a traced app, nor in `alsoRead` (an entrypoint's). */
export function strayVariables(environment: Record<string, string>, schema: z.ZodObject, traced: boolean, alsoRead: readonly string[] = []): string[] {
  return Object.keys(environment).filter((key) => !(key in schema.shape) && !alsoRead.includes(key) && !(traced && isTracingVariable(key)));
}

/** What the app's config schema says of the environment; empty when it would start. */
export function configurationProblems(environment: Record<string, string>, schema: z.ZodObject): string[] {
  const parsed = schema.safeParse(environment);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** Defaults that name this machine's loopback, left unset: inside a container or a pod, that is the app itself. */
export function loopbackDefaultsLeft(environment: Record<string, string>, schema: z.ZodObject): string[] {
  const defaults = schema.parse({}) as Record<string, unknown>;
  return Object.entries(defaults)
    .filter(([key, value]) => !(key in environment) && /127\.0\.0\.1|localhost/.test(JSON.stringify(value)))
    .map(([key]) => key);
}
