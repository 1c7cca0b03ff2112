import type { Broker, Destination, MessagePublisher, OutboundMessage, PublishResult } from '@platform/messaging';
import { describeError, RetryPolicy } from '@platform/messaging';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { inRelayPublishSpan } from '@platform/tracing';
import { OutboxJanitor } from './outbox-janitor';
import { OutboxListener } from './outbox-listener';
import { type OutboxRecord, OutboxStore, type RelayedBatch, type RowFailure } from './outbox-store';
import { RelayWakeups } from './relay-wakeups';

/** While a broker is unreachable its rows are tried again at this pace, without using attempts. */
const BROKER_DOWN_RETRY_MS = 1_000;
/** A relay round that failed (the database away, say) is tried again for as long as the relay runs. */
const ROUND_RETRY = RetryPolicy.exponential({ initialMs: 200, maxMs: 5_000 });

export interface OutboxRelayOptions {
  /** Rows claimed and published per round trip. */
  readonly batchSize: number;
  /**
   * Fallback poll, for a NOTIFY that never came (say, sent while the LISTEN connection was being
   * re-opened). Work the relay knows about wakes it directly: NOTIFY for new rows, a timer for the
   * end of a failed row's backoff. So this can be long, and an idle relay costs nothing.
   */
  readonly pollIntervalMs: number;
  /**
   * Batches in flight at once. While one batch waits for its broker acknowledgements, another
   * can be claimed and published, so a fresh row does not queue behind a batch in progress.
   * Ordering holds regardless: a row is claimable only once every earlier row of its aggregate
   * and destination is SENT. Each worker holds one database connection while it works.
   */
  readonly concurrency: number;
  /**
   * A row's publish attempts before it is parked as FAILED for an operator, and the pauses between
   * them; it must give up some time. A broker that is unreachable spends no attempts.
   */
  readonly retry: RetryPolicy;
  /** How long SENT rows are kept (for inspection and replay by hand) before they are deleted. */
  readonly retentionMs: number;
  /**
   * For a broker whose rows nobody waits on: once woken, a worker waits this long before claiming,
   * so one claim, one publish and one SENT mark carry what committed meanwhile.
   */
  readonly lingerMs?: Partial<Record<Broker, number>>;
}

export interface OutboxRelayMetrics {
  published(broker: string, count: number): void;
  publishFailed(broker: string, count: number): void;
  parked(count: number): void;
}

/**
 * Moves outbox rows to the brokers: workers claim a batch, publish it with broker acknowledgement
 * and record what was not acknowledged for a retry, each batch one transaction of the store.
 *
 * It sleeps until a transaction that wrote outbox rows commits (the listener's NOTIFY), so an idle
 * service does no work and a new row is picked up at once; a timer wakes it when the soonest
 * failed row's backoff ends, and a slow poll covers anything NOTIFY cannot. The janitor deletes
 * what was sent long ago.
 */
export class OutboxRelay {
  private readonly publishers: Map<Broker, MessagePublisher>;
  private readonly store: OutboxStore;
  private readonly listener: OutboxListener;
  private readonly janitor: OutboxJanitor;
  private readonly wakeups: RelayWakeups;
  private running: Promise<void> | null = null;
  private stopping = false;
  /** When the earliest failed row becomes due again; the relay wakes itself then. */
  private retryTimer: { at: number; timer: NodeJS.Timeout } | null = null;

  constructor(
    pool: Pool,
    publishers: readonly MessagePublisher[],
    private readonly options: OutboxRelayOptions,
    private readonly logger: Logger,
    private readonly metrics?: OutboxRelayMetrics,
  ) {
    if (!Number.isFinite(options.retry.maxAttempts)) {
      throw new Error('the outbox relay needs a retry policy that gives up: a row it cannot publish is parked as FAILED for an operator');
    }
    this.publishers = new Map(publishers.map((publisher) => [publisher.broker, publisher]));
    this.wakeups = new RelayWakeups([...this.publishers.keys()]);
    this.store = new OutboxStore(pool, options.retry.maxAttempts, logger);
    this.listener = new OutboxListener(pool, (broker) => this.nudge(broker), logger);
    this.janitor = new OutboxJanitor(pool, options.retentionMs, () => this.relayBatch(null, [...this.publishers.keys()]), logger);
  }

  /**
   * Starts `concurrency` workers per broker. Each worker claims only its broker's rows: a broker
   * that is down (a Kafka send waits out its retries) then holds up its own rows and never the
   * other broker's, so the saga's RabbitMQ commands flow while the Kafka log is unreachable.
   */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.wakeups.open();
    const perBroker = Math.max(1, this.options.concurrency);
    const workers = [...this.publishers.keys()].flatMap((broker) => Array.from({ length: perBroker }, () => this.run(broker)));
    this.running = Promise.all(workers).then(() => undefined);
    this.janitor.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.janitor.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    this.retryTimer = null;
    this.wakeups.close();
    await this.running;
    this.running = null;
    await this.listener.stop();
  }

  /** Wake a worker of `broker` now, or every worker when no broker is named (NOTIFY, tests, operators). */
  nudge(broker?: string): void {
    if (broker) this.wakeups.wake(broker);
    else this.wakeups.wakeAll();
  }

  /**
   * Claims, publishes and records one batch (of one broker's rows, if given, and of none of the
   * excluded brokers'). Returns how many rows it claimed, and whether a row of the same order and
   * destination waits behind one of them (it is claimable now that this batch has committed).
   */
  async relayBatch(broker: Broker | null = null, excludedBrokers: readonly string[] = []): Promise<RelayedBatch> {
    const batch = await this.store.relay({ batchSize: this.options.batchSize, broker, excludedBrokers }, (rows) => this.publish(rows));
    if (batch.parked > 0) this.metrics?.parked(batch.parked);
    if (batch.failures.length > 0) this.afterFailures(batch.failures);
    return batch;
  }

  /** Publishes the claimed rows; answers with those the broker did not acknowledge, and when each is due again. */
  private async publish(rows: OutboxRecord[]): Promise<RowFailure[]> {
    const results = await this.publishAll(rows);
    return rows.flatMap((row, index): RowFailure[] => {
      const result = results[index];
      if (result.ok) return [];
      const brokerUnavailable = result.brokerUnavailable ?? false;
      const retryInMs = brokerUnavailable ? BROKER_DOWN_RETRY_MS : this.options.retry.delayMs(row.attempts + 1);
      return [{ row, error: result.error, brokerUnavailable, retryInMs }];
    });
  }

  /** One publish call per broker, run side by side; results come back in row order. */
  private async publishAll(rows: OutboxRecord[]): Promise<PublishResult[]> {
    const results: PublishResult[] = new Array(rows.length);
    const byBroker = new Map<Broker, number[]>();
    rows.forEach((row, index) => byBroker.set(row.broker, [...(byBroker.get(row.broker) ?? []), index]));
    await Promise.all(
      [...byBroker].map(async ([broker, indexes]) => {
        const publisher = this.publishers.get(broker);
        const messages = indexes.map((index) => toOutboundMessage(rows[index]));
        const brokerResults: PublishResult[] = publisher
          ? await inRelayPublishSpan(broker, messages, () => publisher.publish(messages))
          : indexes.map(() => ({ ok: false, error: `this service has no ${broker} publisher` }));
        indexes.forEach((rowIndex, i) => (results[rowIndex] = brokerResults[i]));
        const okCount = brokerResults.filter((result) => result.ok).length;
        this.metrics?.published(broker, okCount);
        if (okCount < indexes.length) this.metrics?.publishFailed(broker, indexes.length - okCount);
      }),
    );
    return results;
  }

  private afterFailures(failures: readonly RowFailure[]): void {
    this.wakeAfter(Math.min(...failures.map(({ retryInMs }) => retryInMs)));
    for (const { row, error, brokerUnavailable } of failures) {
      this.logger.warn(
        { messageId: row.id, type: row.message_type, orderId: row.aggregate_id, attempt: row.attempts + 1, brokerUnavailable, error },
        'outbox publish failed; will retry',
      );
    }
  }

  /**
   * One timer covers the soonest backoff only; once it has fired, the next one is read from the
   * table, so a row whose backoff ends later is not left for the poll.
   */
  private async wakeAtNextRetry(): Promise<void> {
    try {
      const dueInMs = await this.store.nextRetryInMs();
      if (dueInMs !== null) this.wakeAfter(Math.max(0, dueInMs));
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'next outbox retry unknown; the poll will find it');
    }
  }

  /** Nudges the workers once the soonest backoff has run out (keeping an earlier wake-up if one is set). */
  private wakeAfter(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.stopping || (this.retryTimer && this.retryTimer.at <= at)) return;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    const timer = setTimeout(() => {
      this.retryTimer = null;
      this.nudge();
      void this.wakeAtNextRetry();
    }, delayMs);
    timer.unref();
    this.retryTimer = { at, timer };
  }

  private async run(broker: Broker): Promise<void> {
    let consecutiveErrors = 0;
    const lingerMs = this.options.lingerMs?.[broker] ?? 0;
    while (!this.stopping) {
      await this.listener.ensureListening();
      // Read before claiming: a row whose NOTIFY comes later may have committed too late for this claim.
      const seenGeneration = this.wakeups.generation(broker);
      try {
        const { claimed, successorsWaiting } = await this.relayBatch(broker);
        consecutiveErrors = 0;
        if (claimed >= this.options.batchSize) this.wakeups.handOn(broker);
        if (claimed >= this.options.batchSize || successorsWaiting) continue;
        // A batch that took everything claimable ends the round: a row committed since the claim
        // sent a NOTIFY, which has moved the generation on, so this sleep returns at once.
        await this.wakeups.sleep(broker, this.options.pollIntervalMs, seenGeneration);
        // Rows nobody waits on: those committed over the next lingerMs join the claim this wake-up brings.
        await this.wakeups.linger(broker, lingerMs);
      } catch (error) {
        consecutiveErrors += 1;
        this.logger.error({ err: describeError(error) }, 'outbox relay round failed');
        await this.wakeups.sleep(broker, ROUND_RETRY.delayMs(consecutiveErrors), seenGeneration);
      }
    }
  }
}

/** The message an outbox row stands for, with the id, type and headers it was written with. */
export function toOutboundMessage(row: OutboxRecord): OutboundMessage {
  const destination: Destination =
    row.broker === 'kafka'
      ? { broker: 'kafka', topic: row.destination, key: row.routing_key }
      : {
          broker: 'rabbitmq',
          exchange: row.destination,
          routingKey: row.routing_key,
          routingHeaders: row.headers.routingHeaders,
        };
  return {
    messageId: row.id,
    type: row.message_type,
    version: row.message_version,
    correlationId: row.aggregate_id,
    occurredAt: row.created_at.toISOString(),
    causationId: row.headers.causationId,
    replyTo: row.headers.replyTo,
    traceparent: row.headers.traceparent,
    tracestate: row.headers.tracestate,
    destination,
    payload: row.payload,
  };
}
