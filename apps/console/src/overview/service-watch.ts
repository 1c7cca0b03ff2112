import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { defer, type Observable, Subject } from 'rxjs';
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
 * listening on /api/events. It reads every CONSOLE_SCRAPE_INTERVAL_MS while it is watched (a
 * page listens, or asked for the overview within the last CONSOLE_IDLE_SCRAPE_INTERVAL_MS), and
 * every CONSOLE_IDLE_SCRAPE_INTERVAL_MS otherwise; a page arriving brings the next read forward.
 */
@Injectable()
export class ServiceWatch implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ServiceWatch.name);
  private readonly scrapes: Scrape[] = [];
  private history: HistoryPoint[] = [];
  private current: Overview | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextReadAt = 0;
  private lastAskedAt = -Infinity;
  private stopped = false;
  /** The round of scrapes under way, if any: a page asking meanwhile waits for it rather than start another. */
  private round: Promise<void> | undefined;
  private readonly published = new Subject<Overview>();
  /** Every new overview; subscribing counts as watching. */
  readonly overviews: Observable<Overview> = defer(() => {
    this.wake();
    return this.published;
  });

  constructor(
    private readonly services: ServicesClient,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  onModuleInit(): void {
    this.readIn(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    this.published.complete();
  }

  /** The latest overview, at most two watched intervals old: an older one is read again first. */
  async overview(): Promise<Overview> {
    this.lastAskedAt = Date.now();
    this.wake();
    const readAt = this.scrapes.at(-1)?.at ?? -Infinity;
    if (!this.current || Date.now() - readAt > 2 * this.config.CONSOLE_SCRAPE_INTERVAL_MS) await this.refreshOnce();
    return this.current as Overview;
  }

  private get watched(): boolean {
    return this.published.observed || Date.now() - this.lastAskedAt < this.config.CONSOLE_IDLE_SCRAPE_INTERVAL_MS;
  }

  /** Someone is looking: the next read comes at the watched pace after the last one, now if that is past. */
  private wake(): void {
    if (this.stopped || this.round) return; // the round under way schedules the next at the watched pace
    const due = (this.scrapes.at(-1)?.at ?? 0) + this.config.CONSOLE_SCRAPE_INTERVAL_MS;
    if (this.nextReadAt > due) this.readIn(Math.max(0, due - Date.now()));
  }

  private readIn(delayMs: number): void {
    clearTimeout(this.timer);
    this.nextReadAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      void this.refreshOnce().finally(() => {
        if (!this.stopped) this.readIn(this.watched ? this.config.CONSOLE_SCRAPE_INTERVAL_MS : this.config.CONSOLE_IDLE_SCRAPE_INTERVAL_MS);
      });
    }, delayMs);
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
    this.published.next(this.current);
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
