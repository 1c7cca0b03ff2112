import { AsyncResource } from 'node:async_hooks';
import { DatabaseBusyError, isDatabaseUnavailable } from './postgres-errors';
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
  /** Fails the unit as busy if no lane has taken it by then. */
  readonly deadline: NodeJS.Timeout;
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
 *
 * Each unit runs in its caller's async context, wherever the lane that takes it was started:
 * what a request keeps in AsyncLocalStorage (its trace, which the outbox rows it writes carry on)
 * follows its own work into a shared transaction, and never another request's.
 */
export class GroupCommit {
  private readonly queue: Waiting<unknown>[] = [];
  private busyLanes = 0;

  /** A lane's transaction belongs to no caller: it runs in the context this was built in. */
  private readonly commitOutsideAnyCaller: (batch: readonly Waiting<unknown>[]) => Promise<void>;

  constructor(
    private readonly database: SqlDatabase,
    private readonly options: GroupCommitOptions,
  ) {
    this.commitOutsideAnyCaller = AsyncResource.bind((batch: readonly Waiting<unknown>[]) => this.commit(batch));
  }

  run<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const unit = {
        work: AsyncResource.bind(work),
        resolve,
        reject,
        // The caller answers 503 rather than hang while every lane is stuck (a lock, a slow disk).
        deadline: setTimeout(() => {
          const index = this.queue.indexOf(unit as Waiting<unknown>);
          if (index < 0) return;
          this.queue.splice(index, 1);
          reject(new DatabaseBusyError('group-commit', this.options.maxWaitMs));
        }, this.options.maxWaitMs),
      };
      this.queue.push(unit as Waiting<unknown>);
      this.startLanes();
    });
  }

  private startLanes(): void {
    while (this.busyLanes < this.options.lanes && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      for (const unit of batch) clearTimeout(unit.deadline);
      this.busyLanes += 1;
      void this.commitOutsideAnyCaller(batch).finally(() => {
        this.busyLanes -= 1;
        this.startLanes();
      });
    }
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
        // A database that cannot take work now fails every unit alike (running them one by one would
        // only keep callers waiting longer); anything else may be one unit's fault: try each alone.
        if (isDatabaseUnavailable(error)) return batch.forEach((unit) => unit.reject(error));
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
