import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per event, with the service name on every line. Message handlers log with the
 * order id (`orderId`) so one order can be followed across all five services' logs.
 */
export function createLogger(service: string, level: string): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    bufferedStdout(),
  );
}

/**
 * Standard output, written in chunks of up to 4 KiB and at least every 250 ms instead of one
 * write() per line. Measured at 150 orders/s, the per-line writes took 4-10% of each service's
 * CPU. pino flushes the buffer on the process's exit event: on a crash, and on SIGTERM since the
 * services exit through process.exit (see runService). Only lines written in the last 250 ms
 * before a SIGKILL can be lost.
 */
function bufferedStdout(): { write(line: string): void } {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  let unflushed = false;
  // Flushing an empty buffer would still write, so the timer flushes only after a line.
  setInterval(() => {
    if (!unflushed) return;
    unflushed = false;
    destination.flush();
  }, 250).unref();
  return {
    write(line: string) {
      unflushed = true;
      destination.write(line);
    },
  };
}
