import type { Server } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { PlatformMetrics } from '@platform/observability';
import { ConfigurationError } from './config';
import { timeHttpRequests } from './http-request-metrics';
import { PlatformRuntime } from './platform.runtime';
import { startMessageTransports } from './transport/connect-transports';

export interface ServiceDefinition<Config extends ListenConfig> {
  readonly service: string;
  readonly loadConfig: () => Config;
  readonly module: (config: Config) => DynamicModule;
}

interface ListenConfig {
  readonly PORT: number;
  readonly HOST: string;
}

/** The contract's limit on request bodies: 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

const TOO_LARGE = { statusCode: 413, error: 'Payload Too Large', message: 'request bodies are limited to 64 KiB' };

function refuseLargeBodies(request: Request, response: Response, next: NextFunction): void {
  if (Number(request.headers['content-length'] ?? 0) <= MAX_BODY_BYTES) return next();
  response.status(413).json(TOO_LARGE);
}

/**
 * What the JSON parser refuses gets the shape of every other 4xx, `{ statusCode, error, message,
 * fields? }`: a body that is not JSON names `body`, as validation does.
 */
function answerUnreadableBodies(error: { type?: string }, _request: Request, response: Response, next: NextFunction): void {
  if (error.type === 'entity.too.large') return void response.status(413).json(TOO_LARGE);
  if (error.type !== 'entity.parse.failed') return next(error);
  response.status(400).json({
    statusCode: 400,
    error: 'Bad Request',
    message: 'invalid request: body',
    fields: [{ field: 'body', message: 'must be valid JSON' }],
  });
}

/**
 * Starts one service: validates its configuration (and refuses to start, naming the variable,
 * when it is wrong), builds the Nest app, listens, and shuts down cleanly on SIGTERM / SIGINT.
 */
export async function runService<Config extends ListenConfig>(definition: ServiceDefinition<Config>): Promise<void> {
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
  // Only JSON is parsed: a form body (what a cross-site HTML form can send) never reaches a handler.
  const app = await NestFactory.create<NestExpressApplication>(definition.module(config), { bufferLogs: true, bodyParser: false });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // process.exit after the shutdown hooks, not a re-raised signal: the 'exit' event flushes the buffered log.
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  app.disable('x-powered-by');
  // First, so the requests the middleware below refuses are timed too.
  app.use(timeHttpRequests(app.get(PlatformMetrics)));
  app.use(helmet());
  // A larger body is answered 413 before it is read, whatever its type; no valid request comes close.
  app.use(refuseLargeBodies);
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.use(answerUnreadableBodies);
  // Node closes an idle keep-alive connection after 5 s, shorter than most clients and proxies
  // keep one (60 s is common): a request sent as the server closes then fails with ECONNRESET
  // ("other side closed"), as one in 1,600 did under the saga benchmark. The client should close first.
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Every provider's init hooks first; then the consumers, whose handlers may rely on them; then
  // the relay, which publishes on the connections the transports open; then the API.
  await app.init();
  const runtime = app.get(PlatformRuntime);
  await startMessageTransports(app, runtime.transports);
  runtime.startRelay();
  await app.listen(config.PORT, config.HOST);
  logger.log(`${definition.service} service listening on http://${config.HOST}:${config.PORT}`);
}
