import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []));
export const RUN_DIR = path.join(ROOT, '.run');
export const LOG_DIR = path.join(RUN_DIR, 'logs');
export const STATE_FILE = path.join(RUN_DIR, 'stack.json');

export interface ServiceSpec {
  readonly name: 'order' | 'inventory' | 'payment' | 'notification' | 'points';
  readonly port: number;
}

/** The five services, in the order they are started (participants before the orchestrator). */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'inventory', port: 3001 },
  { name: 'payment', port: 3002 },
  { name: 'notification', port: 3003 },
  { name: 'points', port: 3004 },
  { name: 'order', port: 3000 },
];

export function serviceEntry(service: ServiceSpec): string {
  return path.join(ROOT, 'dist', 'apps', service.name, 'src', 'main.js');
}

/** The server the per-service databases live on; DATABASE_ADMIN_URL overrides it. */
export function adminDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/** Database per service, on the same server: <service>_service. */
export function serviceDatabaseUrl(service: ServiceSpec, env: NodeJS.ProcessEnv = process.env): string {
  const url = new URL(adminDatabaseUrl(env));
  url.pathname = `/${service.name}_service`;
  return url.toString();
}

export function servicePort(service: ServiceSpec, env: NodeJS.ProcessEnv = process.env): number {
  return Number(env[`${service.name.toUpperCase()}_PORT`] ?? service.port);
}
