import { envInt, loadConfig, optionalEnvInt } from '@platform/service-kit';
import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName } from './overview/overview';

const serviceUrl = (port: number) =>
  z
    .url({ error: 'must be the http:// URL of the service' })
    .refine((value) => /^https?:\/\//.test(value), { error: 'must be the http:// URL of the service' })
    .transform((value) => value.replace(/\/+$/, ''))
    .default(`http://127.0.0.1:${port}`);

export const consoleConfigSchema = z.object({
  PORT: envInt(3005, 1, 65_535),
  /** Where it listens; an address other than loopback needs API_KEY, as for the services. */
  HOST: z.string().min(1, { error: 'must be an address to listen on' }).default('127.0.0.1'),
  /** The services' admin key: the console reads their admin endpoints with it. A re-drive needs the operator's own. */
  API_KEY: z.string().min(32, { error: 'must be at least 32 characters when set' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ORDER_URL: serviceUrl(3000),
  INVENTORY_URL: serviceUrl(3001),
  PAYMENT_URL: serviceUrl(3002),
  NOTIFICATION_URL: serviceUrl(3003),
  POINTS_URL: serviceUrl(3004),
  /** How often every service's /metrics and health are read while a page shows them. */
  CONSOLE_SCRAPE_INTERVAL_MS: envInt(2_000, 250, 60_000),
  /**
   * How often they are read while no page does, for the history the charts start from: each read
   * costs every service a /metrics render and a readiness check. Unset: 15 s, or the watched
   * interval if that is longer.
   */
  CONSOLE_IDLE_SCRAPE_INTERVAL_MS: optionalEnvInt(250, 600_000),
  /** The spans kept in memory; the oldest traces go first. */
  CONSOLE_MAX_SPANS: envInt(200_000, 1_000, 10_000_000),
})
  // A refinement of the whole object: pick(), omit() and partial() of this schema would throw.
  .superRefine((config, context) => {
    if (config.CONSOLE_IDLE_SCRAPE_INTERVAL_MS !== undefined && config.CONSOLE_IDLE_SCRAPE_INTERVAL_MS < config.CONSOLE_SCRAPE_INTERVAL_MS) {
      context.addIssue({
        code: 'custom',
        path: ['CONSOLE_IDLE_SCRAPE_INTERVAL_MS'],
        message: `must be at least CONSOLE_SCRAPE_INTERVAL_MS (${config.CONSOLE_SCRAPE_INTERVAL_MS}): the console never reads more often unwatched than watched`,
      });
    }
  });

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;

export const loadConsoleConfig = (env = process.env): ConsoleConfig => loadConfig('console', consoleConfigSchema, env);

export function serviceUrls(config: ConsoleConfig): Record<ServiceName, string> {
  const urls = {} as Record<ServiceName, string>;
  for (const name of SERVICE_NAMES) urls[name] = config[`${name.toUpperCase()}_URL` as `${Uppercase<ServiceName>}_URL`];
  return urls;
}

/** How often the console reads the services while nobody looks. */
export const idleScrapeIntervalMs = (config: ConsoleConfig): number =>
  config.CONSOLE_IDLE_SCRAPE_INTERVAL_MS ?? Math.max(15_000, config.CONSOLE_SCRAPE_INTERVAL_MS);

export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');
