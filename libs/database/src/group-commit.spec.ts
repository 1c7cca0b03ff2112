import { AsyncLocalStorage } from 'node:async_hooks';
import { GroupCommit } from './group-commit';
import { DatabaseBusyError } from './postgres-errors';
import type { SqlDatabase } from './sql-database';
import type { SqlTransaction } from './sql-transaction';

/** Stands in for the pool: records which units shared each transaction; a transaction whose work throws rolls back. */
class RecordingDatabase {
  readonly committed: string[][] = [];
  private release: (() => void) | null = null;
  held = false;

  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const units: string[] = [];
    const tx = { units } as unknown as SqlTransaction;
    if (this.held) await new Promise<void>((resolve) => (this.release = resolve));
    const result = await work(tx);
    this.committed.push(units);
    return result;
  }

  letGo(): void {
    this.held = false;
    this.release?.();
  }
}

const unit = (name: string, fail = false) => async (tx: SqlTransaction) => {
  if (fail) throw new Error(`${name} is bad`);
  (tx as unknown as { units: string[] }).units.push(name);
  return name;
};

describe('GroupCommit', () => {
  it('runs a unit alone at once when a lane is free, and shares a transaction among units that queued meanwhile', async () => {
    const database = new RecordingDatabase();
    const group = new GroupCommit(database as unknown as SqlDatabase, { lanes: 1, maxBatch: 10, maxWaitMs: 10_000 });
    database.held = true;
    const first = group.run(unit('a'));
    const queued = ['b', 'c', 'd'].map((name) => group.run(unit(name)));
    database.letGo();

    expect(await Promise.all([first, ...queued])).toEqual(['a', 'b', 'c', 'd']);
    expect(database.committed).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('when one unit of a shared transaction fails, then it fails alone and the others commit once, each alone', async () => {
    const database = new RecordingDatabase();
    const group = new GroupCommit(database as unknown as SqlDatabase, { lanes: 1, maxBatch: 10, maxWaitMs: 10_000 });
    database.held = true;
    const first = group.run(unit('a'));
    const good = group.run(unit('b'));
    const bad = group.run(unit('c', true));
    const alsoGood = group.run(unit('d'));
    database.letGo();

    await expect(bad).rejects.toThrow('c is bad');
    expect(await Promise.all([first, good, alsoGood])).toEqual(['a', 'b', 'd']);
    expect(database.committed).toEqual([['a'], ['b'], ['d']]);
  });

  it('when the database cannot take the shared transaction at all, then every unit in it fails at once, none runs again', async () => {
    const database = new RecordingDatabase();
    const group = new GroupCommit(database as unknown as SqlDatabase, { lanes: 1, maxBatch: 10, maxWaitMs: 10_000 });
    database.held = true;
    const first = group.run(unit('a'));
    const good = group.run(unit('b'));
    const unavailable = group.run(async () => {
      throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    });
    database.letGo();

    expect(await first).toBe('a');
    await expect(good).rejects.toThrow('administrator command');
    await expect(unavailable).rejects.toThrow('administrator command');
    expect(database.committed).toEqual([['a']]);
  });

  it('a unit that waited longer than the bound fails as busy instead of running late', async () => {
    const database = new RecordingDatabase();
    const group = new GroupCommit(database as unknown as SqlDatabase, { lanes: 1, maxBatch: 10, maxWaitMs: 20 });
    database.held = true;
    const first = group.run(unit('a'));
    const late = expect(group.run(unit('b'))).rejects.toBeInstanceOf(DatabaseBusyError);
    await late; // while the first still holds the only lane
    database.letGo();

    expect(await first).toBe('a');
    expect(database.committed).toEqual([['a']]);
  });

  it('never puts more than maxBatch units in one transaction', async () => {
    const database = new RecordingDatabase();
    const group = new GroupCommit(database as unknown as SqlDatabase, { lanes: 1, maxBatch: 2, maxWaitMs: 10_000 });
    database.held = true;
    const all = ['a', 'b', 'c', 'd', 'e'].map((name) => group.run(unit(name)));
    database.letGo();

    await Promise.all(all);
    expect(database.committed).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it("runs each unit in its own caller's async context, even in a transaction a lane started for another caller", async () => {
    const database = new RecordingDatabase();
    const group = new GroupCommit(database as unknown as SqlDatabase, { lanes: 1, maxBatch: 10, maxWaitMs: 10_000 });
    const request = new AsyncLocalStorage<string>();
    const seenBy = (name: string) => async () => `${name} ran in ${request.getStore() ?? 'no request'}`;
    database.held = true;
    const first = request.run('request a', () => group.run(seenBy('a')));
    const queued = ['b', 'c'].map((name) => request.run(`request ${name}`, () => group.run(seenBy(name))));
    database.letGo();

    expect(await Promise.all([first, ...queued])).toEqual(['a ran in request a', 'b ran in request b', 'c ran in request c']);
  });
});
