import { ConsumerLagMonitor, type LagAlert, type LagAlertSink, LoggingLagAlertSink } from '@platform/messaging';
import type { PlatformMetrics } from '@platform/observability';
import type { Leadership } from '@platform/database';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from './config';
import { FanOutLagAlertSink, MetricsLagAlertSink, WebhookAlertSink } from './lag-alert-sinks';

/**
 * Watches a service's consumer group: lag gauges on every check, and alerts above
 * KAFKA_LAG_ALERT_THRESHOLD to the log, the metrics and, when LAG_ALERT_WEBHOOK_URL is set, a webhook;
 * with several instances of the service, only the one that holds `leadership` alerts.
 */
export function lagMonitorFor(
  kafka: Kafka,
  group: { readonly groupId: string; readonly topics: readonly string[] },
  config: KafkaConfig,
  metrics: PlatformMetrics,
  logger: Logger,
  leadership?: Leadership,
): ConsumerLagMonitor {
  const sinks: LagAlertSink[] = [new LoggingLagAlertSink(logger.child({ component: 'lag-alert' })), new MetricsLagAlertSink(metrics)];
  if (config.LAG_ALERT_WEBHOOK_URL) sinks.push(new WebhookAlertSink<LagAlert>(config.LAG_ALERT_WEBHOOK_URL));
  return new ConsumerLagMonitor(
    kafka,
    {
      groups: [group],
      threshold: config.KAFKA_LAG_ALERT_THRESHOLD,
      intervalMs: config.KAFKA_LAG_CHECK_INTERVAL_MS,
      sink: new FanOutLagAlertSink(sinks, logger),
      onSnapshot: (snapshot) => metrics.consumerLag(snapshot.partitions, snapshot.groups),
      leadership,
    },
    logger.child({ component: 'lag-monitor' }),
  );
}
