import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigurationError } from '@platform/service-kit';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { loadConsoleConfig } from './console.config';
import { ConsoleModule } from './console.module';
import { PUBLIC_DIR } from './pages.controller';

/** A service's batch of spans: up to 2,048 of them, about 1 KiB each in JSON. */
const MAX_TRACE_BODY = '16mb';

async function runConsole(): Promise<void> {
  let config;
  try {
    config = loadConsoleConfig();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const app = await NestFactory.create<NestExpressApplication>(ConsoleModule.register(config), { bufferLogs: true, bodyParser: false });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  app.disable('x-powered-by');
  app.use(helmet());
  app.useBodyParser('json', { limit: MAX_TRACE_BODY });
  app.useStaticAssets(`${PUBLIC_DIR}/assets`, { prefix: '/assets/' });
  await app.listen(config.PORT, config.HOST);
  logger.log(`console listening on http://${config.HOST}:${config.PORT}`);
}

void runConsole();
