import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per event, with the service name on every line. Message handlers log with the
 * order id (`orderId`) so one order can be followed across all five services' logs.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
