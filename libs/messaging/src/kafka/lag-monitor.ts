import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { describeError } from '../errors';
import { type PartitionLag, readConsumerLag, summarizeLag } from './consumer-lag';

export interface LagAlert {
  readonly group: string;
  readonly totalLag: number;
  readonly threshold: number;
  /** The group's partitions as they were when the alert fired or resolved. */
  readonly partitions: readonly PartitionLag[];
  /** ISO-8601 time of the check that crossed the threshold. */
  readonly at: string;
}

/** Where lag alerts go: a log, a pager, a chat channel. */
export interface LagAlertSink {
  fire(alert: LagAlert): Promise<void>;
  resolve(alert: LagAlert): Promise<void>;
}

export interface GroupLagStatus {
  readonly group: string;
  readonly totalLag: number;
  readonly alerting: boolean;
}

export interface LagSnapshot {
  /** ISO-8601 time of the check; an old one means the checks since have failed. */
  readonly checkedAt: string;
  readonly partitions: readonly PartitionLag[];
  readonly groups: readonly GroupLagStatus[];
}

export interface WatchedGroup {
  readonly groupId: string;
  readonly topics: readonly string[];
}

export interface ConsumerLagMonitorOptions {
  readonly groups: readonly WatchedGroup[];
  /** A group alerts while its total lag, over all its partitions, is above this many messages. */
  readonly threshold: number;
  readonly intervalMs?: number;
  /** Defaults to a LoggingLagAlertSink on the monitor's logger. */
  readonly sink?: LagAlertSink;
  /** Called after every successful check, e.g. to set gauges. */
  readonly onSnapshot?: (snapshot: LagSnapshot) => void;
  /**
   * Whether this instance alerts: with several instances of a service watching one group, one
   * leads and alerts, the others only measure. Always, when not given.
   */
  readonly leadership?: { isLeader(): Promise<boolean> };
}

type GroupTotal = Pick<GroupLagStatus, 'group' | 'totalLag'>;

export interface LagAlertChanges {
  readonly fired: readonly GroupTotal[];
  readonly resolved: readonly GroupTotal[];
}

/**
 * Which groups are alerting, and which checks change that. A group fires once when its lag goes
 * above the threshold and resolves once when it comes back to or below it; staying on one side
 * changes nothing, so a lag that stays high for an hour is one alert, not one per check.
 */
export class LagAlertState {
  private readonly alerting = new Set<string>();
  /** Set when what was announced is not known here (another instance led the alert meanwhile). */
  private unknown = false;

  constructor(readonly threshold: number) {}

  /** Records the groups' new totals and returns the alerts they fire and resolve. Groups not in `totals` keep their state. */
  evaluate(totals: readonly GroupTotal[]): LagAlertChanges {
    const unknown = this.unknown;
    this.unknown = false;
    const fired = totals.filter(({ group, totalLag }) => totalLag > this.threshold && (unknown || !this.alerting.has(group)));
    const resolved = totals.filter(({ group, totalLag }) => totalLag <= this.threshold && (unknown || this.alerting.has(group)));
    for (const { group } of fired) this.alerting.add(group);
    for (const { group } of resolved) this.alerting.delete(group);
    return { fired, resolved };
  }

  isAlerting(group: string): boolean {
    return this.alerting.has(group);
  }

  /**
   * Forgets what was announced, because another instance is announcing: should this one lead
   * again, its next evaluation announces every group's state, so that an alert the old leader
   * raised is resolved, or raised again, rather than left as it was.
   */
  forget(): void {
    this.alerting.clear();
    this.unknown = true;
  }

  /** Takes back a change whose alert could not be delivered, so the next check makes it again. */
  retract(change: 'fired' | 'resolved', group: string): void {
    if (change === 'fired') this.alerting.delete(group);
    else this.alerting.add(group);
  }
}

/** The alert as a log line: a warning with the numbers when it fires, an info line when it resolves. */
export class LoggingLagAlertSink implements LagAlertSink {
  constructor(private readonly logger: Logger) {}

  async fire(alert: LagAlert): Promise<void> {
    this.logger.warn(describeAlert(alert), 'kafka consumer lag above threshold');
  }

  async resolve(alert: LagAlert): Promise<void> {
    this.logger.info(describeAlert(alert), 'kafka consumer lag back within threshold');
  }
}

function describeAlert({ group, totalLag, threshold, partitions, at }: LagAlert) {
  return {
    group,
    totalLag,
    threshold,
    at,
    partitions: partitions.map(({ topic, partition, committedOffset, logEndOffset, lag }) => ({ topic, partition, committedOffset, logEndOffset, lag })),
  };
}

/**
 * Checks the lag of the watched consumer groups every `intervalMs` and alerts on the groups whose
 * lag crosses the threshold. It keeps one admin connection for its lifetime. A check that fails
 * (the broker is down, a topic is missing) is logged once, when the failures start, and again
 * when they stop; the checks go on meanwhile, and `latest()` keeps the last good snapshot.
 */
export class ConsumerLagMonitor {
  private readonly admin: Admin;
  private readonly alerts: LagAlertState;
  private readonly sink: LagAlertSink;
  private snapshot: LagSnapshot | null = null;
  private connected = false;
  private failedChecks = 0;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private running = false;

  constructor(
    kafka: Kafka,
    private readonly options: ConsumerLagMonitorOptions,
    private readonly logger: Logger,
  ) {
    this.admin = kafka.admin();
    this.alerts = new LagAlertState(options.threshold);
    this.sink = options.sink ?? new LoggingLagAlertSink(logger);
  }

  /** The last successful check, or null before the first one. */
  latest(): LagSnapshot | null {
    return this.snapshot;
  }

  /** Starts checking now and every `intervalMs` after each check ends, so checks never overlap. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /**
   * Waits for a check in flight. kafkajs cannot cancel one, so while the broker is down that is
   * until the client gives up reconnecting (about 20 s with createKafka's retry settings).
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.checking;
    await this.admin.disconnect();
    this.connected = false;
  }

  /** One check: reads every watched group's lag, alerts on what changed, and returns the snapshot. */
  async check(): Promise<LagSnapshot> {
    if (!this.connected) {
      await this.admin.connect();
      this.connected = true;
    }
    // The time the reading began: every offset in the snapshot is at least this recent.
    const checkedAt = new Date().toISOString();
    const perGroup = await Promise.all(this.options.groups.map(({ groupId, topics }) => readConsumerLag(this.admin, groupId, topics)));
    const partitions = perGroup.flat();
    const totals = summarizeLag(partitions);
    if (await (this.options.leadership?.isLeader() ?? true)) {
      await this.deliver(this.alerts.evaluate(totals), partitions, checkedAt);
    } else {
      this.alerts.forget(); // another instance alerts
    }
    const snapshot: LagSnapshot = {
      checkedAt,
      partitions,
      groups: totals.map(({ group, totalLag }) => ({ group, totalLag, alerting: this.alerts.isAlerting(group) })),
    };
    this.snapshot = snapshot;
    return snapshot;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.checking = this.checkAndReport().finally(() => {
        this.checking = null;
        if (this.running) this.schedule(this.options.intervalMs ?? 15_000);
      });
    }, delayMs);
  }

  /** The timer's check: it never rejects, because nobody would be there to catch it. */
  private async checkAndReport(): Promise<void> {
    let snapshot: LagSnapshot;
    try {
      snapshot = await this.check();
    } catch (error) {
      // Stopped meanwhile: there are no further checks whose failures this one would announce.
      if (!this.running) return;
      if (this.failedChecks === 0) this.logger.warn({ err: describeError(error) }, 'kafka lag check failed; checks go on');
      this.failedChecks += 1;
      return;
    }
    if (this.failedChecks > 0) this.logger.info({ failedChecks: this.failedChecks }, 'kafka lag checks work again');
    this.failedChecks = 0;
    try {
      this.options.onSnapshot?.(snapshot);
    } catch (error) {
      this.logger.error({ err: describeError(error) }, 'kafka lag snapshot callback failed');
    }
  }

  private async deliver(changes: LagAlertChanges, partitions: readonly PartitionLag[], at: string): Promise<void> {
    const alertOf = ({ group, totalLag }: GroupTotal): LagAlert => ({
      group,
      totalLag,
      threshold: this.alerts.threshold,
      partitions: partitions.filter((partition) => partition.group === group),
      at,
    });
    for (const total of changes.fired) await this.send('fired', alertOf(total));
    for (const total of changes.resolved) await this.send('resolved', alertOf(total));
  }

  private async send(change: 'fired' | 'resolved', alert: LagAlert): Promise<void> {
    try {
      await (change === 'fired' ? this.sink.fire(alert) : this.sink.resolve(alert));
    } catch (error) {
      this.alerts.retract(change, alert.group);
      this.logger.error(
        { group: alert.group, change, totalLag: alert.totalLag, err: describeError(error) },
        'lag alert not delivered; the next check tries again',
      );
    }
  }
}
