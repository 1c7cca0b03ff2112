import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { GroupCommit, SqlDatabase, type SqlTransaction } from '@platform/database';
import { describeError } from '@platform/messaging';
import type { Logger } from 'pino';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';

/**
 * The connections of the public API's writes (POST /orders), apart from the consumers' and the
 * relay's, so that no amount of background work can take them. When all are busy for longer than
 * API_DB_ACQUIRE_TIMEOUT_MS the request fails with DatabaseBusyError, which the API answers with
 * 503 and Retry-After.
 *
 * Writes that many requests make at once go through group commit: a burst of POSTs shares a few
 * transactions instead of queueing for a connection each.
 */
@Injectable()
export class ApiDatabase extends SqlDatabase implements OnApplicationShutdown {
  private readonly groupCommit: GroupCommit;

  constructor(@Inject(PLATFORM_OPTIONS) options: PlatformOptions, @Inject(PLATFORM_LOGGER) logger: Logger) {
    super({
      name: `${options.service}-api`,
      connectionString: options.config.DATABASE_URL,
      maxConnections: options.config.API_DB_POOL_SIZE,
      acquireTimeoutMs: options.config.API_DB_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: 10_000,
      onIdleError: (error) => logger.warn({ err: describeError(error) }, 'idle API connection failed'),
      onAfterCommitError: (error) => logger.error({ err: describeError(error) }, 'an after-commit hook failed (the transaction committed)'),
    });
    this.groupCommit = new GroupCommit(this, {
      lanes: options.config.API_DB_POOL_SIZE,
      maxBatch: 100,
      maxWaitMs: options.config.API_DB_ACQUIRE_TIMEOUT_MS,
    });
  }

  /** Runs `work` in a transaction it may share with other requests' work; see GroupCommit for what that asks of it. */
  transactionShared<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.groupCommit.run(work);
  }

  onApplicationShutdown(): Promise<void> {
    return this.end();
  }
}
