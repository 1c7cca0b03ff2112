import type { Server } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigurationError } from './config';

export interface ServiceDefinition<Config extends { PORT: number }> {
  readonly service: string;
  readonly loadConfig: () => Config;
  readonly module: (config: Config) => DynamicModule;
}

/**
 * Starts one service: validates its configuration (and refuses to start, naming the variable,
 * when it is wrong), builds the Nest app, listens, and shuts down cleanly on SIGTERM / SIGINT.
 */
export async function runService<Config extends { PORT: number }>(definition: ServiceDefinition<Config>): Promise<void> {
  let config: Config;
  try {
    config = definition.loadConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const app = await NestFactory.create(definition.module(config), { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.enableShutdownHooks();
  // Node closes an idle keep-alive connection after 5 s, shorter than most clients and proxies
  // keep one (60 s is common): a request sent as the server closes then fails with ECONNRESET
  // ("other side closed"), as one in 1,600 did under the saga benchmark. The client should close first.
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await app.listen(config.PORT, '0.0.0.0');
  logger.log(`${definition.service} service listening on http://127.0.0.1:${config.PORT}`);
}
