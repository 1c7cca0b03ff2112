import type { Leadership } from '@platform/database';
import {
  type ConsumerLagMonitor,
  DeadLetterTopics,
  describeError,
  ensureTopics,
  type InboundBatchHandler,
  KafkaPublisher,
  KafkaSubscription,
  kafkaTopics,
  type LagSnapshot,
  type ResetFrom,
  resetConsumerGroup,
  ResetRefusedError,
  readConsumerLag,
  RetryPolicy,
  type TopicPartitionOffset,
} from '@platform/messaging';
import type { PlatformMetrics, ReadinessCheck } from '@platform/observability';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from './config';
import { lagMonitorFor } from './lag-monitoring';

/** Where a replay starts (the offsets it set) and the log ends it has to reach to be complete. */
export interface Replay {
  readonly offsets: readonly TopicPartitionOffset[];
  readonly until: readonly TopicPartitionOffset[];
}

/** Connecting, and joining the group, are tried again for as long as the service runs. */
const RECONNECT = RetryPolicy.exponential({ initialMs: 1_000, maxMs: 10_000 });

function pauseFor(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, RECONNECT.delayMs(attempt)));
}

async function logEnds(admin: Admin, topics: readonly string[]): Promise<TopicPartitionOffset[]> {
  const perTopic = await Promise.all(
    topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ topic, partition, offset: Number(high) }))),
  );
  return perTopic.flat();
}

export interface KafkaGroupOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** How a failing message is tried again before it goes to the dead-letter topic. */
  readonly retry: RetryPolicy;
}

/**
 * Where a KafkaRuntime is. Only the moves in KAFKA_MOVES happen; any other is a bug and throws.
 * Nothing leaves `stopping`: work still under way when the service stops has its next move
 * refused, and ends.
 *
 *   connecting ──► joining ──► consuming ◄──► replaying ──► joining (when the rejoin failed)
 *        └────────────┴────────────┴──────────────┴──► stopping
 */
export type KafkaPhase =
  /** Ensuring the topics and connecting the producer; until then the service cannot publish. */
  | 'connecting'
  /** The producer is connected; the consumer group is being joined, retried until it is. */
  | 'joining'
  /** Publishing, and consuming when the service has a group. */
  | 'consuming'
  /** The member has left its group, whose offsets are being moved back. */
  | 'replaying'
  | 'stopping';

const KAFKA_MOVES: Readonly<Record<KafkaPhase, readonly KafkaPhase[]>> = {
  connecting: ['joining', 'stopping'],
  joining: ['consuming', 'stopping'],
  consuming: ['replaying', 'stopping'],
  replaying: ['consuming', 'joining', 'stopping'],
  stopping: [],
};

/**
 * A service's Kafka side: the topics, the outbox relay's producer and, when the service reads the
 * logs, its consumer group with the operator's controls over it (lag, pause, dead letters, replay).
 */
export class KafkaRuntime {
  readonly publisher: KafkaPublisher;
  /** The dead letters of this service's consumer group, when it has one. */
  readonly deadLetters: DeadLetterTopics | null;
  private readonly lagMonitor: ConsumerLagMonitor | null = null;
  /** Asks the broker on each readiness check: a producer or consumer with nothing to do notices an outage late. */
  private readonly probe: Admin;
  private probing: Promise<unknown> | null = null;
  private phase: KafkaPhase = 'connecting';
  /** The running consumer, in `consuming` (and, if it crashed, until it is replaced). */
  private subscription: KafkaSubscription | null = null;
  /** Connecting, joining and replays under way: stop() waits for them. */
  private readonly underWay = new Set<Promise<unknown>>();
  /** What the operator asked for, not a phase: applied to every subscription this runtime starts. */
  private pausedByOperator = false;
  /** Where the log ended when the last replay began: the next may begin once the group has read that far. */
  private lastReplayUntil: readonly TopicPartitionOffset[] = [];
  /** The group's batches go here: the Kafka transport's handlers. */
  private consume: InboundBatchHandler | null = null;
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaConfig,
    private readonly group: KafkaGroupOptions | null,
    private readonly logger: Logger,
    private readonly metrics: PlatformMetrics,
    /** Which instance of the service alerts on the group's lag; every one measures it. */
    private readonly lagLeadership?: Leadership,
  ) {
    this.publisher = new KafkaPublisher(kafka, logger.child({ component: 'kafka' }));
    this.deadLetters = group ? new DeadLetterTopics(kafka, group.groupId, logger.child({ component: 'kafka-dead-letters' })) : null;
    this.probe = kafka.admin();
    if (group) this.lagMonitor = lagMonitorFor(kafka, group, config, metrics, logger, lagLeadership);
  }

  /** The transport that handles the group's batches; set before start(). */
  handleBatchesWith(consume: InboundBatchHandler): void {
    this.consume = consume;
  }

  /** Kafka may come up after the service: keeps trying in the background while readiness says no. */
  start(): void {
    if (this.group && !this.consume) throw new Error(`nothing handles the batches of the consumer group ${this.group.groupId}`);
    this.track(this.connectUntilStopped());
    this.lagMonitor?.start();
  }

  /** A second call waits for the first. */
  stop(): Promise<void> {
    this.stopped ??= this.stopNow();
    return this.stopped;
  }

  private async stopNow(): Promise<void> {
    this.moveTo('stopping');
    // A replay's outcome went to its caller; the others log their own.
    await Promise.allSettled([...this.underWay]);
    await this.lagMonitor?.stop().catch((error: unknown) => this.logShutdownError('kafka lag monitor', error));
    await this.lagLeadership?.release().catch((error: unknown) => this.logShutdownError('kafka lag alert leadership', error));
    await this.stopConsumer().catch((error: unknown) => this.logShutdownError('kafka consumer', error));
    await this.probe.disconnect().catch((error: unknown) => this.logShutdownError('kafka readiness probe', error));
    await this.deadLetters?.close().catch((error: unknown) => this.logShutdownError('kafka dead-letter counts', error));
  }

  /** After the outbox relay has stopped, so nothing is published on a closed producer. */
  async disconnectProducer(): Promise<void> {
    await this.publisher.disconnect().catch((error: unknown) => this.logShutdownError('kafka producer', error));
  }

  /**
   * The broker is critical (the service cannot publish its events without it). Its consumer group
   * is reported but not critical: a read model falling over must not take the service's API out
   * of a load balancer; the lag alert and this check say so instead.
   */
  readinessChecks(): ReadinessCheck[] {
    const checks: ReadinessCheck[] = [
      {
        name: 'kafka',
        critical: true,
        check: async () => {
          if (this.phase === 'connecting' || !this.publisher.isConnected) throw new Error('not connected');
          // One question at a time: during an outage a probe waits out the client's retries.
          this.probing ??= this.probe
            .connect()
            .then(() => this.probe.describeCluster())
            .finally(() => (this.probing = null));
          await this.probing;
        },
      },
    ];
    if (this.group) {
      checks.push({
        name: `kafka-consumer-group ${this.group.groupId}`,
        critical: false,
        check: async () => {
          if (this.phase === 'replaying') return;
          if (!this.subscription?.isRunning) throw new Error(`the consumer is not running (${this.phase}, or stopped after a crash)`);
        },
      });
    }
    return checks;
  }

  lag(): LagSnapshot | null {
    return this.lagMonitor?.latest() ?? null;
  }

  /** Stays paused across restarts of the consumer (a replay, a broker outage) until resume(). */
  pause(): void {
    this.requireGroup();
    this.pausedByOperator = true;
    this.subscription?.syncPause();
    this.logger.warn({ group: this.group?.groupId }, 'kafka consumer paused by an operator');
  }

  resume(): void {
    this.requireGroup();
    this.pausedByOperator = false;
    this.subscription?.syncPause();
    this.logger.info({ group: this.group?.groupId }, 'kafka consumer resumed');
  }

  get isPaused(): boolean {
    return this.pausedByOperator;
  }

  /**
   * Rewinds the group and lets it read the log again. The member leaves the group (offsets can
   * only be moved in an empty group, so other instances must be stopped first), the offsets are
   * moved, `resetReadModel` clears what the replay will rebuild, and the member rejoins from the
   * new offsets. The member rejoins whatever happened, so a failed replay leaves it consuming.
   * One replay at a time, and only while consuming: two would each restart a consumer.
   */
  async replay(
    from: ResetFrom,
    resetReadModel: (offsets: readonly TopicPartitionOffset[]) => Promise<void>,
  ): Promise<Replay> {
    const group = this.requireGroup();
    if (this.phase === 'replaying') throw new ResetRefusedError('a replay of this group is already running');
    if (this.phase === 'stopping') throw new ResetRefusedError('the service is stopping');
    if (this.phase !== 'consuming') throw new ResetRefusedError('the consumer is not running yet; try again once it is');
    this.moveTo('replaying');
    return this.track(
      this.previousReplayCaughtUp(group).then(
        () => this.rewind(group, from, resetReadModel),
        (error: unknown) => {
          this.moveTo('consuming');
          throw error;
        },
      ),
    );
  }

  private async rewind(
    group: KafkaGroupOptions,
    from: ResetFrom,
    resetReadModel: (offsets: readonly TopicPartitionOffset[]) => Promise<void>,
  ): Promise<Replay> {
    const admin = this.kafka.admin();
    try {
      await this.stopConsumer();
      await admin.connect();
      const offsets = await resetConsumerGroup(admin, group.groupId, group.topics, from);
      await resetReadModel(offsets);
      const until = await logEnds(admin, group.topics);
      this.lastReplayUntil = until;
      this.logger.warn({ group: group.groupId, from, offsets, until }, 'consumer group rewound for a replay');
      return { offsets, until };
    } finally {
      await admin.disconnect().catch((error: unknown) => this.logShutdownError('kafka admin', error));
      await this.rejoinAfterReplay();
    }
  }

  /** Rejoin now; if the broker blinked, keep trying in the background. */
  private async rejoinAfterReplay(): Promise<void> {
    try {
      if (await this.startConsumer()) this.moveTo('consuming');
    } catch (error) {
      if (this.isStopping) return;
      this.logger.error({ err: describeError(error) }, 'the consumer could not rejoin after the replay; retrying in the background');
      if (this.moveTo('joining')) this.track(this.joinUntilStopped());
    }
  }

  /**
   * A replay reads the whole log again, so replays are bounded by one rule: the next may begin only
   * once the group has read up to where the log ended when the last one began. Back-to-back
   * rebuilds are refused, and one that waited for the last to finish is never refused.
   */
  private async previousReplayCaughtUp(group: KafkaGroupOptions): Promise<void> {
    if (this.lastReplayUntil.length === 0) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const positions = await readConsumerLag(admin, group.groupId, group.topics);
      const behind = this.lastReplayUntil.filter(({ topic, partition, offset }) => {
        const seen = positions.find((position) => position.topic === topic && position.partition === partition);
        return !seen || seen.logEndOffset - seen.lag < offset;
      });
      if (behind.length > 0) {
        const where = behind.map(({ topic, partition, offset }) => `${topic}/${partition} up to ${offset}`).join(', ');
        throw new ResetRefusedError(`the previous replay has not caught up yet (${where}): GET /admin/kafka/lag shows when it has`);
      }
    } finally {
      await admin.disconnect().catch((error: unknown) => this.logShutdownError('kafka admin', error));
    }
  }

  /** The topics and the producer first: once they answer, the service can publish. Then the group. */
  private async connectUntilStopped(): Promise<void> {
    for (let attempt = 1; this.phase === 'connecting'; attempt += 1) {
      try {
        await ensureTopics(this.kafka, kafkaTopics, this.config.KAFKA_TOPIC_PARTITIONS);
        await this.publisher.connect();
        if (!this.moveTo('joining')) return;
        this.logger.info({ topics: kafkaTopics.map(({ topic }) => topic) }, 'kafka connected, topics ensured');
      } catch (error) {
        this.logger.warn({ err: describeError(error), attempt }, 'kafka not reachable yet; retrying');
        await pauseFor(attempt);
      }
    }
    await this.joinUntilStopped();
  }

  private async joinUntilStopped(): Promise<void> {
    for (let attempt = 1; this.phase === 'joining'; attempt += 1) {
      try {
        if ((await this.startConsumer()) && this.moveTo('consuming') && this.group) {
          this.logger.info({ group: this.group.groupId }, 'kafka consumer joined its group');
        }
      } catch (error) {
        if (this.isStopping) return; // the join was cut short by stop(): nothing to retry
        this.logger.warn({ err: describeError(error), attempt, group: this.group?.groupId }, 'kafka consumer could not start; retrying');
        await pauseFor(attempt);
      }
    }
  }

  /**
   * Starts the group's consumer (none without a group) and says whether the runtime may consume
   * now; a half-started one, or one started while stopping, is stopped again.
   */
  private async startConsumer(): Promise<boolean> {
    if (this.isStopping) return false;
    if (!this.group) return true;
    if (!this.consume) throw new Error(`nothing handles the batches of the consumer group ${this.group.groupId}`);
    const subscription = new KafkaSubscription(
      this.kafka,
      { ...this.group, paused: () => this.pausedByOperator },
      this.consume,
      this.logger.child({ component: 'kafka-consumer' }),
      this.metrics,
    );
    try {
      await subscription.start();
      if (this.isStopping) throw new Error('the service began stopping while the consumer joined');
    } catch (error) {
      await subscription.stop().catch((stopError: unknown) => this.logShutdownError('kafka consumer', stopError));
      throw error;
    }
    this.subscription = subscription;
    return true;
  }

  private async stopConsumer(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  /** Read after an await: stop() may have come meanwhile. */
  private get isStopping(): boolean {
    return this.phase === 'stopping';
  }

  /** False once stopping (nothing leaves it); a move KAFKA_MOVES does not allow is a bug, and throws. */
  private moveTo(next: KafkaPhase): boolean {
    if (this.phase === 'stopping') return false;
    if (!KAFKA_MOVES[this.phase].includes(next)) throw new Error(`kafka runtime: no move from ${this.phase} to ${next}`);
    this.logger.debug({ from: this.phase, to: next }, 'kafka runtime phase');
    this.phase = next;
    return true;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.underWay.add(work);
    const forget = () => this.underWay.delete(work);
    work.then(forget, forget);
    return work;
  }

  private requireGroup(): KafkaGroupOptions {
    if (!this.group) throw new Error('this service reads no Kafka topic');
    return this.group;
  }

  private logShutdownError(what: string, error: unknown): void {
    this.logger.warn({ err: describeError(error) }, `${what} did not stop cleanly`);
  }
}
