import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Subject } from 'rxjs';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';
import { ServicesClient } from '../operations/services-client';
import { type HistoryPoint, type Overview, overviewOf, type Scrape, SERVICE_NAMES, type ServiceName } from './overview';
import { readPrometheusText } from './prometheus-text';

/** Five minutes of points for the overview's charts at the default interval. */
const HISTORY_POINTS = 150;
const LATENCY_WINDOW_MS = 60_000;

/**
 * Reads every service's health and /metrics on a fixed interval and keeps the overview they
 * add up to, with a short history for the charts; each new overview is pushed to the pages
 * listening on /api/events.
 */
@Injectable()
export class ServiceWatch implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ServiceWatch.name);
  private readonly scrapes: Scrape[] = [];
  private history: HistoryPoint[] = [];
  private current: Overview | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The round of scrapes under way, if any: a page asking meanwhile waits for it rather than start another. */
  private round: Promise<void> | undefined;
  readonly overviews = new Subject<Overview>();

  constructor(
    private readonly services: ServicesClient,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  onModuleInit(): void {
    const tick = () => {
      void this.refreshOnce().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.config.CONSOLE_SCRAPE_INTERVAL_MS);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
    this.overviews.complete();
  }

  /** The latest overview; the first call waits for the first round of scrapes. */
  async overview(): Promise<Overview> {
    if (!this.current) await this.refreshOnce();
    return this.current as Overview;
  }

  private refreshOnce(): Promise<void> {
    this.round ??= this.refresh()
      .catch((error: Error) => this.logger.error(`a round of scrapes failed: ${error.message}`))
      .finally(() => (this.round = undefined));
    return this.round;
  }

  private async refresh(): Promise<void> {
    const scrape: Scrape = { at: Date.now(), services: await Promise.all(SERVICE_NAMES.map((name) => this.scrape(name))) };
    const previous = this.scrapes.at(-1);
    const minuteAgo = this.scrapes.find((earlier) => scrape.at - earlier.at <= LATENCY_WINDOW_MS) ?? previous;
    this.scrapes.push(scrape);
    while (this.scrapes.length > 1 && scrape.at - this.scrapes[0].at > LATENCY_WINDOW_MS) this.scrapes.shift();
    const overview = overviewOf(scrape, previous, minuteAgo, this.history);
    this.history = overview.history.slice(-HISTORY_POINTS);
    this.current = { ...overview, history: this.history };
    this.overviews.next(this.current);
  }

  private async scrape(name: ServiceName): Promise<Scrape['services'][number]> {
    const url = this.services.urls[name];
    // A service that answers /health/ready at all, 503 included, is live: one probe tells both.
    const [readiness, metrics] = await Promise.all([
      this.services.get(name, '/health/ready').catch(() => ({ status: 0, body: null })),
      this.services.text(name, '/metrics').catch((error: Error) => {
        this.logger.debug(`${name} /metrics unread: ${error.message}`);
        return '';
      }),
    ]);
    return { name, url, live: readiness.status !== 0, ready: readiness.status === 200, checks: checksOf(readiness.body), samples: readPrometheusText(metrics) };
  }
}

/** The per-dependency part of a readiness report (a service shows it to operators, the console being one). */
function checksOf(report: unknown): Record<string, 'up' | 'down'> {
  const checks = (report as { checks?: Record<string, { status?: string }> } | null)?.checks ?? {};
  return Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, check?.status === 'up' ? 'up' : 'down']));
}
