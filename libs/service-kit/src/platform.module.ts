import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { createLogger, PlatformMetrics } from '@platform/observability';
import { OutboxWriter } from '@platform/outbox';
import { LoggerModule } from 'nestjs-pino';
import { ApiKeyGuard } from './admin.guard';
import { TracingAdminController } from './tracing-admin.controller';
import { ApiDatabase } from './api-database';
import { DatabaseBusyFilter } from './database-busy.filter';
import {
  DeadLettersAdminController,
  HealthController,
  KafkaAdminController,
  MetricsController,
  OutboxAdminController,
} from './platform.controllers';
import { checkedPlatformOptions, PLATFORM_LOGGER, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import { platformProviders } from './platform.providers';
import { PlatformRuntime } from './platform.runtime';
import { rateLimiting } from './rate-limit';
import { SERVICE_DATABASE } from './platform.tokens';

const quietPaths = ['/health/live', '/health/ready', '/metrics'];

/**
 * Everything a service is built on besides its own domain: structured logs, metrics, health,
 * the database client, the outbox writer and relay, the inbox, and broker connections.
 * A service module imports PlatformModule.forRoot({...}) and writes only its business code.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const logger = createLogger(options.service, options.config.LOG_LEVEL);
    const metrics = new PlatformMetrics(options.service);
    const rateLimit = rateLimiting(options.config.RATE_LIMIT_PER_MINUTE, options.config.REDIS_URL, logger, metrics);
    return {
      module: PlatformModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            autoLogging: { ignore: (request) => quietPaths.includes(request.url ?? '') },
            customProps: (request) => ({ orderId: orderIdOf(request.url) }),
            serializers: {
              req: (request: { method: string; url: string }) => ({ method: request.method, url: request.url }),
              res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
            },
          },
        }),
        ...rateLimit.imports,
      ],
      controllers: [HealthController, MetricsController, OutboxAdminController, DeadLettersAdminController, KafkaAdminController, TracingAdminController],
      providers: [
        { provide: PLATFORM_OPTIONS, useFactory: () => checkedPlatformOptions(options) },
        { provide: PLATFORM_LOGGER, useValue: logger },
        { provide: PlatformMetrics, useValue: metrics },
        ApiKeyGuard,
        { provide: APP_FILTER, useClass: DatabaseBusyFilter },
        ApiDatabase,
        options.database,
        { provide: SERVICE_DATABASE, useExisting: options.database },
        OutboxWriter,
        ...platformProviders(),
        PlatformRuntime,
        ...rateLimit.providers,
      ],
      exports: [PLATFORM_OPTIONS, PLATFORM_LOGGER, PlatformMetrics, ApiKeyGuard, ApiDatabase, options.database, OutboxWriter, PlatformRuntime],
    };
  }
}

function orderIdOf(url: string | undefined): string | undefined {
  return /^\/orders\/([0-9a-f-]{36})/i.exec(url ?? '')?.[1];
}
