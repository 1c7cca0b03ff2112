import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { reportEventLoopDelay } from './event-loop-delay';

const EVENT_LOOP_SAMPLING_MS = 200;
const UNREAD_MONITOR_SAMPLING_MS = 60_000;

/**
 * The service's Prometheus registry and the counters the messaging libraries report to.
 * Every series carries a `service` label.
 */
export class PlatformMetrics {
  readonly registry = new Registry();

  private readonly messagesPublished = new Counter({
    name: 'outbox_messages_published_total',
    help: 'Outbox messages the broker acknowledged',
    labelNames: ['broker'],
    registers: [this.registry],
  });

  private readonly publishFailures = new Counter({
    name: 'outbox_publish_failures_total',
    help: 'Outbox publish attempts the broker did not acknowledge (each is retried)',
    labelNames: ['broker'],
    registers: [this.registry],
  });

  private readonly messagesParked = new Counter({
    name: 'outbox_messages_failed_total',
    help: 'Outbox messages that used up their attempts and wait for an operator',
    registers: [this.registry],
  });

  private readonly messagesHandled = new Counter({
    name: 'messages_consumed_total',
    help: 'Messages handled by a consumer, by outcome (processed, duplicate, duplicate-cached)',
    labelNames: ['consumer', 'outcome'],
    registers: [this.registry],
  });

  private readonly batchSizes = new Histogram({
    name: 'consumer_batch_messages',
    help: 'Messages a consumer handled together in one transaction',
    labelNames: ['consumer'],
    buckets: [1, 2, 5, 10, 20, 50, 100, 200],
    registers: [this.registry],
  });

  private readonly batchSeconds = new Histogram({
    name: 'consumer_batch_seconds',
    help: 'Time a consumer took over one batch: its inbox checks, handlers and outbox rows, in one transaction, to the commit',
    labelNames: ['consumer'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly handlerSeconds = new Histogram({
    name: 'message_handler_seconds',
    help: 'Time a message handler ran, by the queue or topic the message came from, its type and result (ok, failed)',
    labelNames: ['source', 'type', 'result'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  private readonly batchSplits = new Counter({
    name: 'consumer_batch_splits_total',
    help: 'Batches rolled back because one message failed, then handled one message at a time',
    labelNames: ['consumer'],
    registers: [this.registry],
  });

  private readonly batchRetries = new Counter({
    name: 'consumer_batch_retries_total',
    help: 'Batches tried again whole after a transient failure (database restarting, deadlock, connection lost)',
    labelNames: ['consumer'],
    registers: [this.registry],
  });

  private readonly partitionLag = new Gauge({
    name: 'kafka_consumer_lag',
    help: 'Messages a consumer group has yet to read, per topic and partition (log end minus committed offset)',
    labelNames: ['group', 'topic', 'partition'],
    registers: [this.registry],
  });

  private readonly groupLag = new Gauge({
    name: 'kafka_consumer_group_lag',
    help: "A consumer group's lag over all its partitions",
    labelNames: ['group'],
    registers: [this.registry],
  });

  private readonly lagAlerting = new Gauge({
    name: 'kafka_consumer_lag_alerting',
    help: "1 while a consumer group's lag is above its alert threshold",
    labelNames: ['group'],
    registers: [this.registry],
  });

  private readonly lagAlerts = new Counter({
    name: 'kafka_consumer_lag_alerts_total',
    help: 'Lag alerts, by group and state (fired, resolved)',
    labelNames: ['group', 'state'],
    registers: [this.registry],
  });

  private readonly rateLimited = new Counter({
    name: 'http_rate_limited_total',
    help: 'Requests answered 429 because their client went over RATE_LIMIT_PER_MINUTE',
    registers: [this.registry],
  });

  private readonly rateLimitUnchecked = new Counter({
    name: 'http_rate_limit_unchecked_total',
    help: 'Requests let through unchecked because the rate-limit store (Redis) did not answer',
    registers: [this.registry],
  });

  private readonly httpRequestSeconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: "Time from a request's arrival to the end of its answer, by method, route pattern ('unmatched' when no route took it) and status",
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly outboxPending = new Gauge({
    name: 'outbox_pending_messages',
    help: 'Outbox rows not yet published, as of the last backlog check',
    registers: [this.registry],
  });

  private readonly outboxOldestAge = new Gauge({
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest outbox row not yet published (0 when there is none), as of the last backlog check',
    registers: [this.registry],
  });

  private readonly taskLeader = new Gauge({
    name: 'task_leader',
    help: '1 in the one instance of the service that runs the task (an alerting check), 0 in the others',
    labelNames: ['task'],
    registers: [this.registry],
  });

  private readonly outboxBacklogAlerting = new Gauge({
    name: 'outbox_backlog_alerting',
    help: '1 while the oldest unpublished outbox row is older than OUTBOX_AGE_ALERT_SECONDS',
    registers: [this.registry],
  });

  private readonly outboxBacklogAlerts = new Counter({
    name: 'outbox_backlog_alerts_total',
    help: 'Outbox backlog alerts raised',
    registers: [this.registry],
  });

  private readonly deadLetterDepth = new Gauge({
    name: 'dead_letter_messages',
    help: 'Dead letters waiting, by broker and the queue or topic they failed on (a topic: letters past the redrive cursor)',
    labelNames: ['broker', 'source'],
    registers: [this.registry],
  });

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    // An event-loop delay monitor wakes the process once per sampling interval. At prom-client's
    // 10 ms that was 100 wake-ups a second, 1.2% of a core per idle service (most of what the five
    // cost at rest); 200 ms samples the delay five times a second for next to nothing. prom-client's
    // delay gauges are replaced by reportEventLoopDelay's (its monitor counts the interval into every
    // delay), so its own monitor, no longer reported, samples once a minute.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: UNREAD_MONITOR_SAMPLING_MS });
    reportEventLoopDelay(this.registry, EVENT_LOOP_SAMPLING_MS);
  }

  published(broker: string, count: number): void {
    if (count > 0) this.messagesPublished.inc({ broker }, count);
  }

  publishFailed(broker: string, count: number): void {
    this.publishFailures.inc({ broker }, count);
  }

  parked(count: number): void {
    this.messagesParked.inc(count);
  }

  /**
   * Every series of a consumer exists from its start, at 0: a dashboard or a test then tells "none
   * yet" from "no such consumer", and a rate over the first increment is not lost.
   */
  consumerStarted(consumer: string): void {
    for (const outcome of ['processed', 'duplicate', 'duplicate-cached']) this.messagesHandled.labels({ consumer, outcome }).inc(0);
    this.batchSplits.labels({ consumer }).inc(0);
    this.batchRetries.labels({ consumer }).inc(0);
  }

  handled(consumer: string, outcome: string, count = 1): void {
    if (count > 0) this.messagesHandled.inc({ consumer, outcome }, count);
  }

  batchHandled(consumer: string, messages: number, seconds: number): void {
    this.batchSizes.observe({ consumer }, messages);
    this.batchSeconds.observe({ consumer }, seconds);
  }

  /** Labelled children, kept: observe() with a labels object hashes them on every call, on the consumers' hot path. */
  private readonly handlerSecondsBy = new Map<string, { observe(seconds: number): void }>();

  handlerRan(source: string, type: string, result: 'ok' | 'failed', seconds: number): void {
    const key = `${source}\n${type}\n${result}`;
    let child = this.handlerSecondsBy.get(key);
    if (!child) this.handlerSecondsBy.set(key, (child = this.handlerSeconds.labels({ source, type, result })));
    child.observe(seconds);
  }

  batchSplit(consumer: string): void {
    this.batchSplits.inc({ consumer });
  }

  batchRetried(consumer: string): void {
    this.batchRetries.inc({ consumer });
  }

  consumerLag(
    partitions: readonly { group: string; topic: string; partition: number; lag: number }[],
    groups: readonly { group: string; totalLag: number; alerting: boolean }[],
  ): void {
    for (const { group, topic, partition, lag } of partitions) this.partitionLag.set({ group, topic, partition }, lag);
    for (const { group, totalLag, alerting } of groups) {
      this.groupLag.set({ group }, totalLag);
      this.lagAlerting.set({ group }, alerting ? 1 : 0);
    }
  }

  rateLimitHit(): void {
    this.rateLimited.inc();
  }

  rateLimitSkipped(): void {
    this.rateLimitUnchecked.inc();
  }

  lagAlert(group: string, state: 'fired' | 'resolved'): void {
    this.lagAlerts.inc({ group, state });
  }

  /** Labelled children, kept, as for handlerRan: every HTTP request observes one. */
  private readonly httpRequestSecondsBy = new Map<string, { observe(seconds: number): void }>();

  httpRequestEnded(method: string, route: string, status: number, seconds: number): void {
    const key = `${method}\n${route}\n${status}`;
    let child = this.httpRequestSecondsBy.get(key);
    if (!child) this.httpRequestSecondsBy.set(key, (child = this.httpRequestSeconds.labels({ method, route, status })));
    child.observe(seconds);
  }

  outboxBacklog(pending: number, oldestAgeSeconds: number): void {
    this.outboxPending.set(pending);
    this.outboxOldestAge.set(oldestAgeSeconds);
  }

  outboxBacklogAlert(alerting: boolean): void {
    if (alerting) this.outboxBacklogAlerts.inc();
    this.outboxBacklogAlerting.set(alerting ? 1 : 0);
  }

  deadLetters(broker: string, source: string, count: number): void {
    this.deadLetterDepth.set({ broker, source }, count);
  }

  leadership(task: string, leading: boolean): void {
    this.taskLeader.set({ task }, leading ? 1 : 0);
  }

  /** A gauge whose value is read when Prometheus scrapes, e.g. the stuck-sagas count the monitor keeps. */
  gaugeOnScrape(name: string, help: string, read: () => Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }
}
