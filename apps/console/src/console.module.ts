import { type DynamicModule, Module } from '@nestjs/common';
import { createLogger } from '@platform/observability';
import { LoggerModule } from 'nestjs-pino';
import { ConsoleAdminGuard } from './console-admin.guard';
import { CONSOLE_CONFIG, type ConsoleConfig } from './console.config';
import { OperationsController } from './operations/operations.controller';
import { ServicesClient } from './operations/services-client';
import { OverviewController } from './overview/overview.controller';
import { ServiceWatch } from './overview/service-watch';
import { HealthController } from './health.controller';
import { PagesController } from './pages.controller';
import { SpanStore } from './traces/span-store';
import { TracesController } from './traces/traces.controller';

/** The operations console: pages, their JSON API, and the receiver of the services' spans. It owns no business data. */
@Module({})
export class ConsoleModule {
  static register(config: ConsoleConfig): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [
        // Requests are not logged one by one: the pages poll, and every service posts its spans each second.
        LoggerModule.forRoot({ pinoHttp: { logger: createLogger('console', config.LOG_LEVEL), autoLogging: false } }),
      ],
      controllers: [HealthController, PagesController, OverviewController, OperationsController, TracesController],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        { provide: SpanStore, useFactory: () => new SpanStore(config.CONSOLE_MAX_SPANS) },
        ConsoleAdminGuard,
        ServicesClient,
        ServiceWatch,
      ],
    };
  }
}
