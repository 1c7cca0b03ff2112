import { type ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { isDatabaseUnavailable } from '@platform/database';
import type { Response } from 'express';

/** Seconds a client is asked to wait before trying again when the database is saturated. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Prisma's codes for "no connection came free in time" (P2024) and "could not start a
 * transaction in time" (P2028): the same condition as DatabaseBusyError, on Prisma's pool.
 */
const PRISMA_BUSY_CODES = new Set(['P2024', 'P2028']);

export function isDatabaseBusy(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && PRISMA_BUSY_CODES.has(code);
}

/**
 * Overload is not a server error: a request the database could not take in time (or at all: a
 * lost connection, a restarting server) answers 503
 * with Retry-After, so clients and load balancers back off and retry; nothing was written.
 * Every other error goes on to Nest's own handling.
 */
@Catch()
export class DatabaseBusyFilter extends BaseExceptionFilter {
  override catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || !isDatabaseBusy(error)) {
      super.catch(error, host);
      return;
    }
    const response = host.switchToHttp().getResponse<Response>();
    response
      .status(503)
      .setHeader('Retry-After', String(RETRY_AFTER_SECONDS))
      .json({ statusCode: 503, error: 'Service Unavailable', message: 'the database cannot take this now; try again shortly' });
  }
}
