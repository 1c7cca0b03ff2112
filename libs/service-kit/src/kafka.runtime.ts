import {
  ConsumerLagMonitor,
  DeadLetterTopicAdmin,
  describeError,
  ensureTopics,
  type InboundHandler,
  KafkaPublisher,
  KafkaSubscription,
  kafkaTopics,
  type LagAlertSink,
  type LagSnapshot,
  LoggingLagAlertSink,
  type ResetFrom,
  resetConsumerGroup,
  type TopicPartitionOffset,
} from '@platform/messaging';
import type { PlatformMetrics, ReadinessCheck } from '@platform/observability';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from './config';
import { FanOutLagAlertSink, MetricsLagAlertSink, WebhookLagAlertSink } from './lag-alert-sinks';

export interface KafkaGroupOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
}

/**
 * A service's Kafka side: the topics, the outbox relay's producer and, when the service reads the
 * logs, its consumer group with the operator's controls over it (lag, pause, dead letters, replay).
 */
export class KafkaRuntime {
  readonly publisher: KafkaPublisher;
  readonly deadLetters: DeadLetterTopicAdmin;
  private readonly lagMonitor: ConsumerLagMonitor | null = null;
  /** Asks the broker on each readiness check: a producer or consumer with nothing to do notices an outage late. */
  private readonly probe: Admin;
  private probing: Promise<unknown> | null = null;
  private subscription: KafkaSubscription | null = null;
  private starting: Promise<void> | null = null;
  private connected = false;
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaConfig,
    private readonly group: KafkaGroupOptions | null,
    private readonly consume: InboundHandler,
    private readonly logger: Logger,
    private readonly metrics: PlatformMetrics,
  ) {
    this.publisher = new KafkaPublisher(kafka, logger.child({ component: 'kafka' }));
    this.deadLetters = new DeadLetterTopicAdmin(kafka, logger.child({ component: 'kafka-dead-letters' }));
    this.probe = kafka.admin();
    if (group) {
      const sinks: LagAlertSink[] = [new LoggingLagAlertSink(logger.child({ component: 'lag-alert' })), new MetricsLagAlertSink(metrics)];
      if (config.LAG_ALERT_WEBHOOK_URL) sinks.push(new WebhookLagAlertSink(config.LAG_ALERT_WEBHOOK_URL));
      this.lagMonitor = new ConsumerLagMonitor(
        kafka,
        {
          groups: [group],
          threshold: config.KAFKA_LAG_ALERT_THRESHOLD,
          intervalMs: config.KAFKA_LAG_CHECK_INTERVAL_MS,
          sink: new FanOutLagAlertSink(sinks, logger),
          onSnapshot: (snapshot) => metrics.consumerLag(snapshot.partitions, snapshot.groups),
        },
        logger.child({ component: 'lag-monitor' }),
      );
    }
  }

  /** Kafka may come up after the service: keeps trying in the background while readiness says no. */
  start(): void {
    this.starting = this.connectUntilStopped();
    this.lagMonitor?.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.starting;
    await this.lagMonitor?.stop().catch((error: unknown) => this.logShutdownError('kafka lag monitor', error));
    await this.stopConsumer().catch((error: unknown) => this.logShutdownError('kafka consumer', error));
    await this.probe.disconnect().catch((error: unknown) => this.logShutdownError('kafka readiness probe', error));
  }

  /** After the outbox relay has stopped, so nothing is published on a closed producer. */
  async disconnectProducer(): Promise<void> {
    await this.publisher.disconnect().catch((error: unknown) => this.logShutdownError('kafka producer', error));
  }

  readinessCheck(): ReadinessCheck {
    return {
      name: 'kafka',
      critical: true,
      check: async () => {
        if (!this.connected || !this.publisher.isConnected) throw new Error('not connected');
        // One question at a time: during an outage a probe waits out the client's retries.
        this.probing ??= this.probe
          .connect()
          .then(() => this.probe.describeCluster())
          .finally(() => (this.probing = null));
        await this.probing;
        if (this.subscription && !this.subscription.isRunning) {
          throw new Error('the consumer stopped after a crash it could not recover from');
        }
      },
    };
  }

  lag(): LagSnapshot | null {
    return this.lagMonitor?.latest() ?? null;
  }

  pause(): void {
    this.consumer().pause();
    this.logger.warn({ group: this.group?.groupId }, 'kafka consumer paused by an operator');
  }

  resume(): void {
    this.consumer().resume();
    this.logger.info({ group: this.group?.groupId }, 'kafka consumer resumed');
  }

  get isConsuming(): boolean {
    return this.subscription?.isRunning ?? false;
  }

  get isPaused(): boolean {
    return this.subscription?.isPaused ?? false;
  }

  /**
   * Rewinds the group and lets it read the log again. The member leaves the group (offsets can
   * only be moved in an empty group, so other instances must be stopped first), the offsets are
   * moved, `resetReadModel` clears what the replay will rebuild, and the member rejoins from the
   * new offsets. The member rejoins whatever happened, so a failed replay leaves it consuming.
   */
  async replay(
    from: ResetFrom,
    resetReadModel: (offsets: readonly TopicPartitionOffset[]) => Promise<void>,
  ): Promise<TopicPartitionOffset[]> {
    const group = this.requireGroup();
    const admin = this.kafka.admin();
    await this.stopConsumer();
    try {
      await admin.connect();
      const offsets = await resetConsumerGroup(admin, group.groupId, group.topics, from);
      await resetReadModel(offsets);
      this.logger.warn({ group: group.groupId, from, offsets }, 'consumer group rewound for a replay');
      return offsets;
    } finally {
      await admin.disconnect();
      await this.startConsumer();
    }
  }

  private async connectUntilStopped(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt += 1) {
      try {
        await ensureTopics(this.kafka, kafkaTopics, this.config.KAFKA_TOPIC_PARTITIONS);
        await this.publisher.connect();
        await this.startConsumer();
        this.connected = true;
        this.logger.info({ topics: kafkaTopics.map(({ topic }) => topic), group: this.group?.groupId }, 'kafka connected, topics ensured');
        return;
      } catch (error) {
        this.logger.warn({ err: describeError(error), attempt }, 'kafka not reachable yet; retrying');
        // A consumer half started by this attempt is stopped, so the next attempt starts the only one.
        await this.stopConsumer().catch((stopError: unknown) => this.logShutdownError('kafka consumer', stopError));
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * attempt, 10_000)));
      }
    }
  }

  private async startConsumer(): Promise<void> {
    if (!this.group || this.stopping) return;
    const subscription = new KafkaSubscription(this.kafka, this.group, this.consume, this.logger.child({ component: 'kafka-consumer' }));
    this.subscription = subscription;
    await subscription.start();
  }

  private async stopConsumer(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  private consumer(): KafkaSubscription {
    this.requireGroup();
    if (!this.subscription) throw new Error('the kafka consumer is not running yet');
    return this.subscription;
  }

  private requireGroup(): KafkaGroupOptions {
    if (!this.group) throw new Error('this service reads no Kafka topic');
    return this.group;
  }

  private logShutdownError(what: string, error: unknown): void {
    this.logger.warn({ err: describeError(error) }, `${what} did not stop cleanly`);
  }
}
