/** PostgreSQL's SQLSTATE for a unique or primary key violation. */
const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const candidate = error as { code?: unknown; constraint?: unknown } | null;
  return candidate?.code === UNIQUE_VIOLATION && (constraint === undefined || candidate.constraint === constraint);
}

/** SQLSTATEs of a server that is going away, starting, full, or cancelled our statement (statement_timeout). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/**
 * pg reports a lost or never-made connection without a SQLSTATE, only in words: a dropped
 * socket, a connect that timed out, a client that broke earlier and is used again.
 */
const CONNECTION_LOST = /connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i;

/**
 * Whether the database could not do the work right now, whatever the work was: no free
 * connection, no connection at all, a server restarting, a statement cancelled for taking too
 * long. Consumers try such work again; the API answers 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseBusyError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08');
  return CONNECTION_LOST.test(error.message);
}

/**
 * The database could not take the work within its bound: no connection came free in time.
 * An API answers it with 503 and Retry-After; a consumer treats it as transient and tries again.
 */
export class DatabaseBusyError extends Error {
  override readonly name = 'DatabaseBusyError';
  /** Read by isTransientError: a full pool is a condition that passes. */
  readonly code = 'ETIMEDOUT';

  constructor(
    readonly pool: string,
    readonly waitedMs: number,
  ) {
    super(`the ${pool} connection pool had no free connection within ${waitedMs} ms`);
  }
}
