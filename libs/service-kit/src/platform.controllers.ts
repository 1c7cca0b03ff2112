import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { checkReadiness, PlatformMetrics } from '@platform/observability';
import { PlatformRuntime } from './platform.runtime';

@Controller('health')
export class HealthController {
  constructor(private readonly runtime: PlatformRuntime) {}

  /** The process is up and its event loop answers; the pid lets fault-injection tests find it. */
  @Get('live')
  @HttpCode(200)
  live(): { status: 'live'; pid: number; uptimeSeconds: number } {
    return { status: 'live', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) };
  }

  /** 200 only when the database and every broker this service uses answer; 503 otherwise. */
  @Get('ready')
  async ready(@Res() response: Response): Promise<void> {
    const report = await checkReadiness(this.runtime.readinessChecks());
    response.status(report.status === 'ready' ? 200 : 503).json(report);
  }
}

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(PlatformMetrics) private readonly metrics: PlatformMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
