import { describeError, type LagAlert, type LagAlertSink } from '@platform/messaging';
import type { PlatformMetrics } from '@platform/observability';
import type { Logger } from 'pino';

/** Counts alerts in `kafka_consumer_lag_alerts_total`, so a dashboard can graph and alert on them too. */
export class MetricsLagAlertSink implements LagAlertSink {
  constructor(private readonly metrics: PlatformMetrics) {}

  async fire(alert: LagAlert): Promise<void> {
    this.metrics.lagAlert(alert.group, 'fired');
  }

  async resolve(alert: LagAlert): Promise<void> {
    this.metrics.lagAlert(alert.group, 'resolved');
  }
}

/**
 * POSTs each alert as JSON (`state`: firing or resolved, plus the alert's own fields) to a webhook:
 * a chat channel, a pager, an alert manager. A refused delivery throws, so the monitor tries again
 * at its next check. Lag alerts and stuck-saga alerts go the same way.
 */
export class WebhookAlertSink<Alert extends object = LagAlert> {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 5_000,
  ) {}

  fire(alert: Alert): Promise<void> {
    return this.post('firing', alert);
  }

  resolve(alert: Alert): Promise<void> {
    return this.post('resolved', alert);
  }

  private async post(state: 'firing' | 'resolved', alert: Alert): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state, ...alert }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`alert webhook answered ${response.status}`);
  }
}

/**
 * Delivers to every sink; one failing does not stop the others. A failure is reported and
 * thrown, so the monitor delivers the alert again at its next check: alerts are at-least-once,
 * and a sink that did receive the first delivery may see it twice.
 */
export class FanOutLagAlertSink implements LagAlertSink {
  constructor(
    private readonly sinks: readonly LagAlertSink[],
    private readonly logger: Logger,
  ) {}

  fire(alert: LagAlert): Promise<void> {
    return this.each((sink) => sink.fire(alert));
  }

  resolve(alert: LagAlert): Promise<void> {
    return this.each((sink) => sink.resolve(alert));
  }

  private async each(deliver: (sink: LagAlertSink) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map(deliver));
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    for (const failure of failures) this.logger.warn({ err: describeError(failure.reason) }, 'a lag alert sink failed');
    if (failures.length > 0) throw new Error(`${failures.length} of ${this.sinks.length} lag alert sinks failed`);
  }
}
