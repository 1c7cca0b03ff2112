import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { defer, type Observable, Subject } from 'rxjs';
import { CONSOLE_CONFIG, type ConsoleConfig, idleScrapeIntervalMs } from '../console.config';
import { ServicesClient } from '../operations/services-client';
import { type HistoryPoint, type Overview, overviewOf, type Scrape, SERVICE_NAMES, type ServiceName } from './overview';
import { readPrometheusText } from './prometheus-text';

/** The charts show the last five minutes, at most this many points of them. */
const HISTORY_MS = 5 * 60_000;
const HISTORY_POINTS = 150;
const LATENCY_WINDOW_MS = 60_000;

/**
 * Reads every service's health and /metrics on a fixed interval and keeps the overview they
 * add up to, with a short history for the charts; each new overview is pushed to the pages
 * listening on /api/events. It reads every CONSOLE_SCRAPE_INTERVAL_MS while it is watched (a
 * page listens, or asked for the overview within the last idle interval), and every
 * CONSOLE_IDLE_SCRAPE_INTERVAL_MS otherwise; a page arriving brings the next read forward.
 * Pacing runs on the monotonic clock, so a wall clock set back cannot stall it.
 */
@Injectable()
export class ServiceWatch implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ServiceWatch.name);
  private readonly scrapes: Scrape[] = [];
  private history: HistoryPoint[] = [];
  private current: Overview | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly watchedMs: number;
  private readonly idleMs: number;
  /** Monotonic times (performance.now()). */
  private lastReadAt = -Infinity;
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
    @Inject(CONSOLE_CONFIG) config: ConsoleConfig,
  ) {
    this.watchedMs = config.CONSOLE_SCRAPE_INTERVAL_MS;
    this.idleMs = idleScrapeIntervalMs(config);
  }

  onModuleInit(): void {
    this.readIn(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    this.published.complete();
  }

  /**
   * The latest overview. One whose read started more than two watched intervals ago is read
   * again first; if that read fails, the previous one is answered.
   */
  async overview(): Promise<Overview> {
    this.lastAskedAt = performance.now();
    if (this.current && performance.now() - this.lastReadAt <= 2 * this.watchedMs) {
      this.wake();
      return this.current;
    }
    clearTimeout(this.timer);
    await this.readAndPace();
    return this.current as Overview;
  }

  private get watched(): boolean {
    return this.published.observed || performance.now() - this.lastAskedAt < this.idleMs;
  }

  /** Someone is looking: the next read comes at the watched pace after the last one, now if that is past. */
  private wake(): void {
    if (this.stopped || this.round) return; // the round under way schedules the next at the watched pace
    const due = this.lastReadAt + this.watchedMs;
    if (this.nextReadAt > due) this.readIn(Math.max(0, due - performance.now()));
  }

  private readIn(delayMs: number): void {
    clearTimeout(this.timer);
    this.nextReadAt = performance.now() + delayMs;
    this.timer = setTimeout(() => void this.readAndPace(), delayMs);
  }

  /** One round of reads (or the one under way), then the next at the pace that being watched or not calls for. */
  private async readAndPace(): Promise<void> {
    await this.refreshOnce();
    if (!this.stopped && !this.round) this.readIn(this.watched ? this.watchedMs : this.idleMs);
  }

  private refreshOnce(): Promise<void> {
    this.round ??= this.refresh()
      .catch((error: Error) => this.logger.error(`a round of scrapes failed: ${error.message}`))
      .finally(() => (this.round = undefined));
    return this.round;
  }

  private async refresh(): Promise<void> {
    this.lastReadAt = performance.now();
    const scrape: Scrape = { at: Date.now(), services: await Promise.all(SERVICE_NAMES.map((name) => this.scrape(name))) };
    const previous = this.scrapes.at(-1);
    const minuteAgo = this.scrapes.find((earlier) => scrape.at - earlier.at <= LATENCY_WINDOW_MS) ?? previous;
    this.scrapes.push(scrape);
    while (this.scrapes.length > 1 && scrape.at - this.scrapes[0].at > LATENCY_WINDOW_MS) this.scrapes.shift();
    const overview = overviewOf(scrape, previous, minuteAgo, this.history);
    this.history = overview.history.filter((point) => scrape.at - Date.parse(point.at) <= HISTORY_MS).slice(-HISTORY_POINTS);
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
