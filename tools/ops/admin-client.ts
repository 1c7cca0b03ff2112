import { SERVICES } from '../stack/stack.config';

/** Calls a service's admin endpoint the way an operator would, with API_KEY from the environment if set. */
export async function callAdmin<T>(serviceName: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const service = SERVICES.find(({ name }) => name === serviceName);
  if (!service) throw new Error(`no service named ${serviceName}; one of ${SERVICES.map(({ name }) => name).join(', ')}`);
  const base = `http://127.0.0.1:${process.env[`${service.name.toUpperCase()}_PORT`] ?? service.port}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (process.env.API_KEY) headers['x-api-key'] = process.env.API_KEY;
  const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
