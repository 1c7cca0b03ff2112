/** PostgreSQL's SQLSTATE for a unique or primary key violation. */
const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const candidate = error as { code?: unknown; constraint?: unknown } | null;
  return candidate?.code === UNIQUE_VIOLATION && (constraint === undefined || candidate.constraint === constraint);
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
