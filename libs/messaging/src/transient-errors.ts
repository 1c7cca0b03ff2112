import { isDatabaseUnavailable } from '@platform/database';
import { BrokerUnavailableError } from './errors';

/** Prisma errors that mean "the database could not do it right now", not "this is wrong". */
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034']);

/** The driver adapter's names for the same situations. */
const TRANSIENT_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
]);

/** PostgreSQL: serialization failure, deadlock, too many connections, shutting down / starting up. */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '53300', '57P01', '57P02', '57P03']);

const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * Whether an error will likely go away by itself (a database restarting, a deadlock, a full
 * connection pool, a broker reconnecting). Consumers keep such messages and try again without
 * spending their bounded attempts: an outage must not turn good messages into dead letters.
 */
export function isTransientError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  if (error instanceof BrokerUnavailableError || isDatabaseUnavailable(error)) return true;
  const candidate = error as {
    code?: unknown;
    kind?: unknown;
    originalCode?: unknown;
    meta?: { driverAdapterError?: { cause?: unknown } };
    cause?: unknown;
  };
  const code = typeof candidate.code === 'string' ? candidate.code : undefined;
  if (code && (TRANSIENT_PRISMA_CODES.has(code) || TRANSIENT_NODE_CODES.has(code) || isTransientSqlState(code))) return true;
  if (typeof candidate.originalCode === 'string' && isTransientSqlState(candidate.originalCode)) return true;
  if (typeof candidate.kind === 'string' && TRANSIENT_ADAPTER_KINDS.has(candidate.kind)) return true;
  return (
    isTransientError(candidate.meta?.driverAdapterError?.cause, depth + 1) || isTransientError(candidate.cause, depth + 1)
  );
}

function isTransientSqlState(code: string): boolean {
  return TRANSIENT_SQLSTATES.has(code) || code.startsWith('08');
}
