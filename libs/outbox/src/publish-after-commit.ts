import { AsyncResource } from 'node:async_hooks';
import { type Broker, describeError } from '@platform/messaging';
import type { Logger } from 'pino';
import type { OutboxRecord, OutboxStore, RowFailure } from './outbox-store';

/** What the relay lends this fast path: its publish (spans, metrics, retry delays) and its handling of failures. */
export interface RelayPath {
  publish(rows: OutboxRecord[]): Promise<RowFailure[]>;
  /** Failed rows were set back for the relay to retry: log them, and wake it when the soonest is due. */
  failed(failures: readonly RowFailure[], parked: number): void;
}

export interface PublishAfterCommitOptions {
  /**
   * How long the relay leaves a row to this publisher. Past it the relay publishes the row itself:
   * after a crash between a commit and its publish, or between a publish and its SENT mark (then
   * twice, and the consumers' inboxes take it once).
   */
  readonly leaseMs: number;
  /** Rows per publish, at most. */
  readonly batchSize: number;
  /** Batches of one broker in flight at once. */
  readonly concurrency: number;
  /** How long acknowledged rows wait, to be marked SENT together in one statement. */
  readonly markDelayMs: number;
}

/** After a broker reported itself unreachable, new rows go to the relay for this long: it waits out outages. */
const BROKER_DOWN_MS = 5_000;
/**
 * After a row failed here, the later rows of its aggregate and destination go to the relay for
 * this long, so they cannot overtake it. (Longer than any commit takes: a transaction that checked
 * the key before the failure and commits after it must still find the key diverted.)
 */
const DIVERTED_MS = 60_000;
/** A SENT mark that failed (the database away) is tried again after this. */
const MARK_RETRY_MS = 1_000;

/** One aggregate's messages to one destination are published in the order they were written. */
export const orderingKey = (row: { aggregateId: string; destination: string }): string => `${row.aggregateId} ${row.destination}`;
const keyOf = (row: OutboxRecord): string => orderingKey({ aggregateId: row.aggregate_id, destination: row.destination });

/**
 * The outbox's fast path: a transaction's rows are published by the process that wrote them, right
 * after the commit, instead of waiting for the relay to be woken and to claim them. That saves a
 * claim (a transaction of its own) per batch and a wake-up per hop of the saga; the relay remains
 * the safety net, and takes every row this path does not publish.
 *
 * The writer gives a row to this path only if no earlier row of its aggregate and destination is
 * unsent, apart from those this process holds (OutboxWriter checks it in the row's INSERT), and
 * writes it with a lease the relay respects. Here rows are published in the order they were
 * committed, at most one per aggregate and destination in a batch, and never two batches in flight
 * with the same key: so a row is never published before an earlier one of its key has been
 * acknowledged. When
 * a publish fails, the row is set back for the relay's retry, as the relay does, and its key's
 * later rows (held here, or committed before the failure was known) are released to the relay,
 * whose claim keeps them in order behind it. Acknowledged rows are marked SENT together, a little
 * later, in one statement.
 */
export class PublishAfterCommit {
  private readonly queues = new Map<Broker, OutboxRecord[]>();
  /** Per broker, the keys of the rows being published: a key's next row waits until its batch has been acknowledged. */
  private readonly keysInFlight = new Map<Broker, Set<string>>();
  private readonly batchesInFlight = new Map<Broker, Set<Promise<void>>>();
  /** Ids of the rows this process holds, per key: queued, being published, or acknowledged and not yet marked SENT. */
  private readonly held = new Map<string, Set<string>>();
  private readonly divertedUntil = new Map<string, number>();
  private readonly brokerDownUntil = new Map<Broker, number>();
  private acknowledged: { row: OutboxRecord; publishedAt: Date }[] = [];
  private markTimer: NodeJS.Timeout | null = null;
  private marking: Promise<void> = Promise.resolve();
  private open = false;

  /** Starts what batches it may; runs in no caller's async context, since the publishing belongs to no request's trace. */
  private readonly pump: (broker: Broker) => void;

  constructor(
    private readonly brokers: readonly Broker[],
    private readonly store: OutboxStore,
    private readonly relay: RelayPath,
    readonly options: PublishAfterCommitOptions,
    private readonly logger: Logger,
  ) {
    this.pump = AsyncResource.bind((broker: Broker) => this.startBatches(broker));
  }

  start(): void {
    this.open = this.options.leaseMs > 0;
  }

  /** Takes no more rows, publishes those it holds, and marks them SENT. */
  async stop(): Promise<void> {
    this.open = false;
    for (let inFlight = this.allBatches(); inFlight.length > 0; inFlight = this.allBatches()) await Promise.all(inFlight);
    if (this.markTimer) clearTimeout(this.markTimer);
    this.markTimer = null;
    await this.marking;
    await this.markAcknowledged();
  }

  /** Whether a row for `broker` written now may be left to this path. */
  accepts(broker: string): boolean {
    return this.open && this.brokers.includes(broker as Broker) && !this.isBrokerDown(broker as Broker);
  }

  /** The rows this process holds of the given keys: the writer's check does not count them as unsent. */
  heldIdsOf(keys: Iterable<string>): string[] {
    return [...new Set(keys)].flatMap((key) => [...(this.held.get(key) ?? [])]);
  }

  /** A transaction has committed these rows, leased to this path, in this order. */
  committed(rows: readonly OutboxRecord[]): void {
    const diverted = rows.filter((row) => !this.open || this.isBrokerDown(row.broker) || this.isDiverted(keyOf(row)));
    const toRelay = new Set(diverted);
    for (const row of rows) {
      if (toRelay.has(row)) continue;
      this.hold(row);
      this.queueOf(row.broker).push(row);
    }
    if (diverted.length > 0) void this.releaseToRelay(diverted);
    for (const broker of new Set(rows.map((row) => row.broker))) this.pump(broker);
  }

  /**
   * Up to `concurrency` batches of a broker in flight, none with a key another one has: while one
   * waits for its acknowledgements, the rows committed meanwhile go out in the next.
   */
  private startBatches(broker: Broker): void {
    const batches = this.batchesInFlight.get(broker) ?? new Set<Promise<void>>();
    this.batchesInFlight.set(broker, batches);
    const keys = this.keysInFlight.get(broker) ?? new Set<string>();
    this.keysInFlight.set(broker, keys);
    while (batches.size < this.options.concurrency) {
      const batch = this.takeBatch(this.queueOf(broker), keys);
      if (batch.length === 0) return;
      for (const row of batch) keys.add(keyOf(row));
      const publishing: Promise<void> = this.publishBatch(broker, batch).finally(() => {
        for (const row of batch) keys.delete(keyOf(row));
        batches.delete(publishing);
        this.pump(broker);
      });
      batches.add(publishing);
    }
  }

  private async publishBatch(broker: Broker, batch: OutboxRecord[]): Promise<void> {
    const publishedAt = new Date();
    let failures: readonly RowFailure[];
    try {
      failures = await this.relay.publish(batch);
    } catch (error) {
      failures = batch.map((row) => ({ row, error: describeError(error), brokerUnavailable: true, retryInMs: MARK_RETRY_MS }));
    }
    const failed = new Set(failures.map(({ row }) => row));
    for (const row of batch) if (!failed.has(row)) this.acknowledged.push({ row, publishedAt });
    this.scheduleMarks();
    if (failures.length > 0) await this.giveBack(broker, failures);
  }

  /** The oldest queued rows whose key is not in flight, the first of each key only (a later one waits), in queue order. */
  private takeBatch(queue: OutboxRecord[], keysInFlight: ReadonlySet<string>): OutboxRecord[] {
    const keys = new Set<string>();
    const batch: OutboxRecord[] = [];
    const waiting: OutboxRecord[] = [];
    for (const row of queue) {
      const key = keyOf(row);
      if (batch.length < this.options.batchSize && !keys.has(key) && !keysInFlight.has(key)) batch.push(row);
      else waiting.push(row);
      keys.add(key);
    }
    queue.splice(0, queue.length, ...waiting);
    return batch;
  }

  private queueOf(broker: Broker): OutboxRecord[] {
    const queue = this.queues.get(broker) ?? [];
    this.queues.set(broker, queue);
    return queue;
  }

  private allBatches(): Promise<void>[] {
    return [...this.batchesInFlight.values()].flatMap((batches) => [...batches]);
  }

  /** Failed rows go back to the relay for a retry; their keys' later rows, or all the broker's if it is down, follow them. */
  private async giveBack(broker: Broker, failures: readonly RowFailure[]): Promise<void> {
    const queue = this.queueOf(broker);
    const until = Date.now() + DIVERTED_MS;
    for (const { row, brokerUnavailable } of failures) {
      this.divertedUntil.set(keyOf(row), until);
      if (brokerUnavailable) this.brokerDownUntil.set(broker, Date.now() + BROKER_DOWN_MS);
      this.release(row);
    }
    const brokerDown = failures.some(({ brokerUnavailable }) => brokerUnavailable);
    const following = queue.filter((row) => brokerDown || this.isDiverted(keyOf(row)));
    const followers = new Set(following);
    queue.splice(0, queue.length, ...queue.filter((row) => !followers.has(row)));
    // A row committed later, by a transaction that counted a follower as held, must follow it to the relay.
    for (const row of following) this.divertedUntil.set(keyOf(row), until);
    try {
      // Recorded before the followers are released, so that the relay, once they are claimable, finds each failed row unsent before them.
      const parked = await this.store.recordFailures(failures);
      this.relay.failed(failures, parked);
    } catch (error) {
      this.logger.warn({ err: describeError(error), rows: failures.length }, 'a failed publish could not be recorded; the relay takes the rows when their lease ends');
    }
    if (following.length > 0) await this.releaseToRelay(following);
    this.forgetExpiredDiversions();
  }

  private async releaseToRelay(rows: readonly OutboxRecord[]): Promise<void> {
    for (const row of rows) this.release(row);
    try {
      await this.store.endLease(rows.map(({ id }) => id));
    } catch (error) {
      this.logger.warn({ err: describeError(error), rows: rows.length }, 'rows could not be handed to the relay now; it takes them when their lease ends');
    }
  }

  private scheduleMarks(delayMs = this.options.markDelayMs): void {
    if (this.markTimer || this.acknowledged.length === 0) return;
    this.markTimer = setTimeout(() => {
      this.markTimer = null;
      this.marking = this.marking.then(() => this.markAcknowledged());
    }, delayMs);
    this.markTimer.unref();
  }

  /** One statement marks every acknowledged row SENT; only then does the writer's check count them as sent. */
  private async markAcknowledged(): Promise<void> {
    const marks = this.acknowledged;
    if (marks.length === 0) return;
    this.acknowledged = [];
    try {
      await this.store.markSent(marks);
      for (const { row } of marks) this.release(row);
    } catch (error) {
      // Kept while their lease runs: past it the relay publishes them again, so they are not held either.
      const leaseEnd = Date.now() - this.options.leaseMs;
      const kept = marks.filter(({ publishedAt }) => publishedAt.getTime() > leaseEnd);
      for (const { row } of marks) if (!kept.some((mark) => mark.row === row)) this.release(row);
      this.acknowledged.unshift(...kept);
      this.logger.warn({ err: describeError(error), rows: marks.length }, 'published rows could not be marked SENT yet; trying again');
      if (this.open) this.scheduleMarks(MARK_RETRY_MS);
    }
  }

  private hold(row: OutboxRecord): void {
    const key = keyOf(row);
    const ids = this.held.get(key) ?? new Set<string>();
    ids.add(row.id);
    this.held.set(key, ids);
  }

  private release(row: OutboxRecord): void {
    const key = keyOf(row);
    const ids = this.held.get(key);
    ids?.delete(row.id);
    if (ids?.size === 0) this.held.delete(key);
  }

  private isBrokerDown(broker: Broker): boolean {
    return (this.brokerDownUntil.get(broker) ?? 0) > Date.now();
  }

  private isDiverted(key: string): boolean {
    return (this.divertedUntil.get(key) ?? 0) > Date.now();
  }

  private forgetExpiredDiversions(): void {
    const now = Date.now();
    for (const [key, until] of this.divertedUntil) if (until <= now) this.divertedUntil.delete(key);
  }
}
