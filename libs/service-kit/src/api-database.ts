import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SqlDatabase } from '@platform/database';
import { describeError } from '@platform/messaging';
import type { Logger } from 'pino';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';

/**
 * The connections of the public API's writes (POST /orders), apart from the consumers' and the
 * relay's, so that no amount of background work can take them. When all are busy for longer than
 * API_DB_ACQUIRE_TIMEOUT_MS the request fails with DatabaseBusyError, which the API answers with
 * 503 and Retry-After.
 */
@Injectable()
export class ApiDatabase extends SqlDatabase implements OnApplicationShutdown {
  constructor(@Inject(PLATFORM_OPTIONS) options: PlatformOptions, @Inject(PLATFORM_LOGGER) logger: Logger) {
    super({
      name: `${options.service}-api`,
      connectionString: options.config.DATABASE_URL,
      maxConnections: options.config.API_DB_POOL_SIZE,
      acquireTimeoutMs: options.config.API_DB_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: 10_000,
      onIdleError: (error) => logger.warn({ err: describeError(error) }, 'idle API connection failed'),
    });
  }

  onApplicationShutdown(): Promise<void> {
    return this.end();
  }
}
