/**
 * Puts the relay's workers to sleep and wakes them when there is work, one broker at a time.
 *
 * A NOTIFY names the broker whose rows a transaction wrote, and wakes one of that broker's
 * sleeping workers; a worker that claims a full batch hands the wake-up on to the next, so a
 * burst spreads over every worker while a single order costs one claim, not one per worker.
 * (Waking every worker on every NOTIFY cost five to ten empty claims per order.)
 */
export class RelayWakeups {
  /**
   * Bumped by every wake-up of a broker. A worker reads it before it claims and compares after,
   * so a NOTIFY that lands while the worker is busy sends it round again instead of being lost.
   */
  private readonly generations = new Map<string, number>();
  private readonly sleepers = new Map<string, Set<() => void>>();
  /** Workers gathering rows for their next claim, per broker; a wake-up meanwhile joins that claim. */
  private readonly lingerers = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(brokers: readonly string[]) {
    for (const broker of brokers) {
      this.generations.set(broker, 0);
      this.sleepers.set(broker, new Set());
      this.lingerers.set(broker, new Set());
    }
  }

  generation(broker: string): number {
    return this.generations.get(broker) ?? 0;
  }

  /**
   * New work for `broker`: wake one of its sleeping workers, unless one is lingering, whose claim
   * will take it. Work for a broker no worker serves wakes them all.
   */
  wake(broker: string): void {
    if (!this.generations.has(broker)) return this.wakeAll();
    this.generations.set(broker, this.generation(broker) + 1);
    if (!this.lingerers.get(broker)?.size) this.handOn(broker);
  }

  /** Wake every worker of every broker (start of LISTEN, the end of a retry backoff, stop). */
  wakeAll(): void {
    for (const broker of this.generations.keys()) this.generations.set(broker, this.generation(broker) + 1);
    for (const sleeping of this.sleepers.values()) for (const wake of [...sleeping]) wake();
  }

  /** A busy worker has more than it can take: one more of the broker's workers joins in. */
  handOn(broker: string): void {
    const [first] = this.sleepers.get(broker) ?? [];
    first?.();
  }

  /** Resolves on a wake-up, after `timeoutMs`, or at once if one came since `seenGeneration`. */
  sleep(broker: string, timeoutMs: number, seenGeneration: number): Promise<void> {
    if (this.closed || this.generation(broker) !== seenGeneration) return Promise.resolve();
    return waitAmong(timeoutMs, this.sleepers.get(broker));
  }

  /** Waits `ms` (cut short by close()) while the rows of a broker nobody waits on gather for the next claim. */
  linger(broker: string, ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return waitAmong(ms, this.lingerers.get(broker));
  }

  /** Wakes everyone for good: the relay is stopping. */
  close(): void {
    this.closed = true;
    this.wakeAll();
    for (const lingering of this.lingerers.values()) for (const end of [...lingering]) end();
  }

  open(): void {
    this.closed = false;
  }
}

/** Waits `ms`, or until its entry in `waiting` is called (a wake-up, or close()), which takes it out. */
function waitAmong(ms: number, waiting: Set<() => void> = new Set()): Promise<void> {
  return new Promise((resolve) => {
    const end = (): void => {
      clearTimeout(timer);
      waiting.delete(end);
      resolve();
    };
    const timer = setTimeout(end, ms);
    waiting.add(end);
  });
}
