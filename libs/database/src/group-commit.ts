import { DatabaseBusyError } from './postgres-errors';
import type { SqlDatabase } from './sql-database';
import type { SqlTransaction } from './sql-transaction';

export interface GroupCommitOptions {
  /** Transactions open at once: each holds one connection of the database's pool. */
  readonly lanes: number;
  /** Units of work sharing one transaction, at most. */
  readonly maxBatch: number;
  /** How long a unit may wait for a lane before it fails with DatabaseBusyError. */
  readonly maxWaitMs: number;
}

interface Waiting<T> {
  readonly work: (tx: SqlTransaction) => Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly since: number;
}

/**
 * Group commit for small, independent units of work, such as one POST /orders each. While every
 * lane is busy, new units queue; the next free lane runs all that queued (up to maxBatch) in one
 * transaction, so a burst of a hundred orders costs a few transactions instead of a hundred, and
 * an idle system runs each unit at once, alone.
 *
 * The units of a shared transaction commit together or not at all. If it fails, each unit runs
 * again in a transaction of its own, so one bad unit fails alone and the others commit once.
 * A unit must therefore be safe to run twice: everything it decides (ids, answers) is decided
 * before it runs, or again the same way.
 */
export class GroupCommit {
  private readonly queue: Waiting<unknown>[] = [];
  private busyLanes = 0;

  constructor(
    private readonly database: SqlDatabase,
    private readonly options: GroupCommitOptions,
  ) {}

  run<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject, since: Date.now() } as Waiting<unknown>);
      this.startLanes();
    });
  }

  private startLanes(): void {
    while (this.busyLanes < this.options.lanes && this.queue.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) continue;
      this.busyLanes += 1;
      void this.commit(batch).finally(() => {
        this.busyLanes -= 1;
        this.startLanes();
      });
    }
  }

  /** The next units to run, failing those that waited past the bound: the caller answers 503 rather than hang. */
  private takeBatch(): Waiting<unknown>[] {
    const now = Date.now();
    const batch: Waiting<unknown>[] = [];
    while (batch.length < this.options.maxBatch && this.queue.length > 0) {
      const unit = this.queue.shift()!;
      const waited = now - unit.since;
      if (waited > this.options.maxWaitMs) unit.reject(new DatabaseBusyError('group-commit', waited));
      else batch.push(unit);
    }
    return batch;
  }

  private async commit(batch: readonly Waiting<unknown>[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const results = await this.database.transaction(async (tx) => {
          const done: unknown[] = [];
          for (const unit of batch) done.push(await unit.work(tx));
          return done;
        });
        batch.forEach((unit, index) => unit.resolve(results[index]));
        return;
      } catch (error) {
        // A busy pool fails every unit alike; anything else may be one unit's fault: try each alone.
        if (error instanceof DatabaseBusyError) return batch.forEach((unit) => unit.reject(error));
      }
    }
    for (const unit of batch) {
      try {
        unit.resolve(await this.database.transaction(unit.work));
      } catch (error) {
        unit.reject(error);
      }
    }
  }
}
