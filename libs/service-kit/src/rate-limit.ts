import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { type DynamicModule, HttpException, HttpStatus, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule, type ThrottlerStorage } from '@nestjs/throttler';
import { describeError } from '@platform/messaging';
import type { PlatformMetrics } from '@platform/observability';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** What a request gets when its count could not be taken: through, with nothing counted. */
const UNCOUNTED: StorageRecord = { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };

/**
 * Counts each client's requests in Redis, so all instances of a service share one budget. When
 * Redis does not answer, requests go through unchecked: a rate limit protects the service, and
 * must not become a reason for it to fail. Each such request is counted
 * (`http_rate_limit_unchecked_total`), and the outage is logged once, as is its end.
 */
export class FailOpenRateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly counter: ThrottlerStorageRedisService;
  private unchecked = false;

  constructor(
    redisUrl: string,
    private readonly logger: Logger,
    private readonly metrics: PlatformMetrics,
  ) {
    // No offline queue: while Redis is away a count fails at once instead of holding the request;
    // and a Redis that takes the connection but does not answer fails it after 200 ms.
    this.redis = new Redis(redisUrl, {
      enableOfflineQueue: false,
      commandTimeout: 200,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 500, 5_000),
    });
    this.redis.on('error', () => undefined); // reported per request below, once per outage
    this.counter = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<StorageRecord> {
    try {
      const record = await this.counter.increment(key, ttl, limit, blockDuration, throttlerName);
      if (this.unchecked) this.logger.info('rate limiting resumed: Redis answers again');
      this.unchecked = false;
      if (record.isBlocked) this.metrics.rateLimitHit();
      return record;
    } catch (error) {
      if (!this.unchecked) this.logger.warn({ err: describeError(error) }, 'rate limiting suspended: Redis does not answer; requests go through unchecked');
      this.unchecked = true;
      this.metrics.rateLimitSkipped();
      return UNCOUNTED;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}

/** Nest's throttler guard, answering in the platform's one error shape. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(): Promise<void> {
    throw new HttpException(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests', message: 'too many requests from this client: try again after Retry-After seconds' },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * `RATE_LIMIT_PER_MINUTE` requests per client (IP address) per minute, over every route but health
 * and metrics (`@SkipThrottle`); the next gets 429 with Retry-After. Nothing at all when unset.
 */
export function rateLimiting(
  perMinute: number | undefined,
  redisUrl: string,
  logger: Logger,
  metrics: PlatformMetrics,
): { imports: DynamicModule[]; providers: Provider[] } {
  if (perMinute === undefined) return { imports: [], providers: [] };
  const storage = new FailOpenRateLimitStorage(redisUrl, logger.child({ component: 'rate-limit' }), metrics);
  return {
    imports: [
      ThrottlerModule.forRoot({
        throttlers: [{ name: 'default', ttl: 60_000, limit: perMinute }],
        storage,
      }),
    ],
    providers: [{ provide: FailOpenRateLimitStorage, useValue: storage }, { provide: APP_GUARD, useClass: RateLimitGuard }],
  };
}
