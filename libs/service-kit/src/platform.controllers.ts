import { Body, ConflictException, Controller, Get, Header, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { type DeadLetter, DeadLetterReadBusyError, type DeadLetterStore, type LagSnapshot, type RedriveResult } from '@platform/messaging';
import type { FailedOutboxMessage } from '@platform/outbox';
import { z } from 'zod';
import { AdminEndpoint, ApiKeyGuard } from './admin.guard';
import { ZodValidationPipe } from './zod-validation.pipe';
import type { Request, Response } from 'express';
import { checkReadiness, PlatformMetrics } from '@platform/observability';
import { PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import type { KafkaRuntime } from './kafka.runtime';
import { PlatformRuntime } from './platform.runtime';

@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly runtime: PlatformRuntime,
    private readonly operators: ApiKeyGuard,
  ) {}

  /** The process is up and its event loop answers; the pid lets fault-injection tests find it. */
  @Get('live')
  @HttpCode(200)
  live(): { status: 'live'; pid: number; uptimeSeconds: number } {
    return { status: 'live', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) };
  }

  /**
   * 200 only when the database and every broker this service uses answer; 503 otherwise. The
   * status code is for every orchestrator; which check failed, and why, only for operators.
   */
  @Get('ready')
  async ready(@Req() request: Request, @Res() response: Response): Promise<void> {
    const report = await checkReadiness(this.runtime.readinessChecks());
    response.status(report.status === 'ready' ? 200 : 503).json(this.operators.allows(request) ? report : { status: report.status });
  }
}

@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(PlatformMetrics) private readonly metrics: PlatformMetrics) {}

  /** For operators (and their Prometheus), like the admin endpoints: the numbers describe the business. */
  @Get()
  @AdminEndpoint()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

const RetryRequest = z.object({ ids: z.array(z.uuid()).min(1).optional() }).default({});
/** A page of an admin list holds at most 1,000 entries. */
const limitQuery = z.coerce.number().int().min(1).max(1_000).default(100);
const afterQuery = z.string().regex(/^\d{1,18}$/, { error: 'must be the sequence of the last row of the previous page' }).default('0');
const allQuery = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .default('false')
  .transform((value) => value === 'true');

/** Outbox messages the relay gave up on (OUTBOX_MAX_ATTEMPTS failed publishes), and sending them again. */
@Controller('admin/outbox')
@AdminEndpoint()
export class OutboxAdminController {
  constructor(private readonly runtime: PlatformRuntime) {}

  /** Oldest first, a page of `limit`; `?after=<sequence>` of the last row gives the next page. */
  @Get('failed')
  failed(
    @Query('limit', new ZodValidationPipe(limitQuery, 'limit')) limit: number,
    @Query('after', new ZodValidationPipe(afterQuery, 'after')) after: string,
  ): Promise<FailedOutboxMessage[]> {
    return this.runtime.outboxAdmin.failed(limit, after);
  }

  /** Body `{ "ids": [...] }` retries those; an empty body retries every failed message. */
  @Post('failed/retry')
  @HttpCode(200)
  async retry(@Body(new ZodValidationPipe(RetryRequest)) body: z.infer<typeof RetryRequest>): Promise<{ retried: number }> {
    return { retried: await this.runtime.outboxAdmin.retry(body.ids) };
  }
}

/**
 * The dead letters of a queue or topic the service consumes, on either broker: look at them, and
 * send them back to be processed again. `:source` is the queue or topic they failed on.
 */
@Controller('admin/dead-letters')
@AdminEndpoint()
export class DeadLettersAdminController {
  constructor(
    private readonly runtime: PlatformRuntime,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
  ) {}

  /** The newest letters; on a topic, only those still waiting for a redrive unless `?all=true`. */
  @Get(':source')
  list(
    @Param('source') source: string,
    @Query('limit', new ZodValidationPipe(limitQuery, 'limit')) limit: number,
    @Query('all', new ZodValidationPipe(allQuery, 'all')) includeRedriven: boolean,
  ): Promise<DeadLetter[]> {
    return oneReadAtATime(this.storeOf(source).list(source, { limit, includeRedriven }));
  }

  /** Up to `limit` letters go back, where each consumer's inbox ignores what it already applied; `more` says to call again. */
  @Post(':source/redrive')
  @HttpCode(200)
  redrive(
    @Param('source') source: string,
    @Query('limit', new ZodValidationPipe(limitQuery, 'limit')) limit: number,
  ): Promise<RedriveResult> {
    return oneReadAtATime(this.storeOf(source).redrive(source, limit));
  }

  private storeOf(source: string): DeadLetterStore {
    const queues = this.runtime.deadLetterQueues;
    if (queues && (this.options.rabbitQueues ?? []).includes(source)) return queues;
    const topics = this.runtime.kafka?.deadLetters;
    if (topics && (this.options.kafkaGroup?.topics ?? []).includes(source)) return topics;
    throw new NotFoundException(`the ${this.options.service} service consumes no queue or topic named ${source}`);
  }
}

/** The service's Kafka consumer group: its lag, and pausing it. */
@Controller('admin/kafka')
@AdminEndpoint()
export class KafkaAdminController {
  constructor(
    private readonly runtime: PlatformRuntime,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
  ) {}

  /** The last lag check: per partition (committed offset, log end, lag) and per group, with the alert state. */
  @Get('lag')
  lag(): { threshold: number; paused: boolean; lag: LagSnapshot | null } {
    const kafka = this.kafka();
    return { threshold: this.options.config.KAFKA_LAG_ALERT_THRESHOLD ?? 0, paused: kafka.isPaused, lag: kafka.lag() };
  }

  /** Stops fetching without leaving the group (e.g. during maintenance): lag builds up until resume. */
  @Post('consumer/pause')
  @HttpCode(200)
  pause(): { paused: true } {
    this.kafka().pause();
    return { paused: true };
  }

  @Post('consumer/resume')
  @HttpCode(200)
  resume(): { paused: false } {
    this.kafka().resume();
    return { paused: false };
  }

  private kafka(): KafkaRuntime {
    const kafka = this.runtime.kafka;
    if (!kafka || !this.options.kafkaGroup) throw new NotFoundException(`the ${this.options.service} service reads no Kafka topic`);
    return kafka;
  }
}

/** A second dead-letter read while one runs is a conflict the operator resolves by waiting. */
async function oneReadAtATime<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof DeadLetterReadBusyError) throw new ConflictException(error.message);
    throw error;
  }
}
