import { Pool } from 'pg';
import { RowsAtCommit, WritesAtCommit } from './rows-at-commit';
import { sql } from './sql';
import { SqlDatabase } from './sql-database';

jest.mock('pg', () => ({ ...jest.requireActual<object>('pg'), Pool: jest.fn() }));

/** A pool of one fake connection that records the statements it is sent; `failing` names the statement that fails. */
function databaseWhere(failing?: RegExp, onAfterCommitError?: (error: unknown) => void): { database: SqlDatabase; sent: string[] } {
  const sent: string[] = [];
  const client = {
    query: async (query: string | { text: string }) => {
      const text = typeof query === 'string' ? query : query.text;
      sent.push(text.startsWith('BEGIN') ? 'BEGIN' : text);
      if (failing?.test(text)) throw new Error('connection lost');
      return { rows: [], rowCount: 0 };
    },
    on: () => undefined,
    off: () => undefined,
    release: () => sent.push('released'),
  };
  jest.mocked(Pool).mockImplementation(() => ({ connect: async () => client, on: () => undefined }) as unknown as Pool);
  return { database: new SqlDatabase({ name: 'test', connectionString: 'postgresql://test', maxConnections: 1, acquireTimeoutMs: 10, onAfterCommitError }), sent };
}

const lookup = sql`SELECT available FROM product WHERE sku = ${'mug'}`;
const orders = new WritesAtCommit<string>((ids) => ({ table: 'orders', statement: sql`INSERT INTO orders (id) SELECT * FROM unnest(${ids}::uuid[])` }));
const sagas = new WritesAtCommit<string>((ids) => ({ table: 'saga_instance', statement: sql`INSERT INTO saga_instance (id) SELECT * FROM unnest(${ids}::uuid[])` }));
/** What `orders` and `sagas` send when one transaction adds to both. */
const ordersAndSagasTogether =
  'WITH write_1 AS (INSERT INTO orders (id) SELECT * FROM unnest($1::uuid[])),\nwrite_2 AS (INSERT INTO saga_instance (id) SELECT * FROM unnest($2::uuid[]))\nSELECT 1';

describe('after-commit hooks', () => {
  it('when the transaction commits, then they run after COMMIT, with the connection back in the pool', async () => {
    const { database, sent } = databaseWhere();

    await database.transaction(async (tx) => {
      await tx.query(lookup);
      tx.afterCommit(() => sent.push('hook'));
    });

    expect(sent).toEqual(['BEGIN', lookup.text, 'COMMIT', 'released', 'hook']);
  });

  it('when the work fails, then they never run', async () => {
    const { database, sent } = databaseWhere();

    await expect(
      database.transaction(async (tx) => {
        await tx.query(lookup);
        tx.afterCommit(() => sent.push('hook'));
        throw new Error('no stock');
      }),
    ).rejects.toThrow('no stock');

    expect(sent).toEqual(['BEGIN', lookup.text, 'ROLLBACK', 'released']);
  });

  it('when COMMIT fails, then they never run', async () => {
    const { database, sent } = databaseWhere(/^COMMIT$/);

    await expect(
      database.transaction(async (tx) => {
        await tx.query(lookup);
        tx.afterCommit(() => sent.push('hook'));
      }),
    ).rejects.toThrow('connection lost');

    expect(sent).not.toContain('hook');
  });

  it('when a hook throws, then the committed transaction still answers its result, the failure is reported, and the other hooks run', async () => {
    const reported: unknown[] = [];
    const { database, sent } = databaseWhere(undefined, (error) => reported.push(error));

    const result = await database.transaction(async (tx) => {
      tx.afterCommit(() => {
        throw new Error('metrics registry gone');
      });
      tx.afterCommit(() => sent.push('second hook'));
      return 'order placed';
    });

    expect(result).toBe('order placed');
    expect(sent).toEqual(['released', 'second hook']);
    expect(reported).toEqual([new Error('metrics registry gone')]);
  });
});

describe('writes at commit', () => {
  const endings = new RowsAtCommit<string>(async (tx, ids) => void (await tx.query(sql`UPDATE orders SET status = 'COMPLETED' WHERE id = ANY(${ids}) RETURNING id`)));

  it('when a transaction has several, then they reach the server in one statement, after the hooks whose results are read, before COMMIT', async () => {
    const { database, sent } = databaseWhere();

    await database.transaction(async (tx) => {
      orders.add(tx, ['o-1']);
      sagas.add(tx, ['o-1']);
      endings.add(tx, ['o-0']);
      orders.add(tx, ['o-2']);
    });

    expect(sent).toEqual([
      'BEGIN',
      "UPDATE orders SET status = 'COMPLETED' WHERE id = ANY($1) RETURNING id",
      ordersAndSagasTogether,
      'COMMIT',
      'released',
    ]);
  });

  it('when the work fails, then nothing it added is written, and nothing was begun to roll back', async () => {
    const { database, sent } = databaseWhere();

    await expect(
      database.transaction(async (tx) => {
        orders.add(tx, ['o-1']);
        throw new Error('no stock');
      }),
    ).rejects.toThrow('no stock');

    expect(sent).toEqual(['released']);
  });
});

describe('a transaction whose only statement is its writes at commit', () => {
  it('when nothing else was sent, then that statement goes alone, without BEGIN or COMMIT, and the hooks run after it', async () => {
    const { database, sent } = databaseWhere();

    await database.transaction(async (tx) => {
      orders.add(tx, ['o-1']);
      sagas.add(tx, ['o-1']);
      tx.afterCommit(() => sent.push('hook'));
    });

    expect(sent).toEqual([ordersAndSagasTogether, 'released', 'hook']);
  });

  it('when that statement fails, then the hooks never run and there is nothing to roll back', async () => {
    const { database, sent } = databaseWhere(/^WITH/);

    await expect(
      database.transaction(async (tx) => {
        orders.add(tx, ['o-1']);
        sagas.add(tx, ['o-1']);
        tx.afterCommit(() => sent.push('hook'));
      }),
    ).rejects.toThrow('connection lost');

    expect(sent).toEqual([ordersAndSagasTogether, 'released']);
  });

  it('when the writes take two statements (one table twice), then they share a transaction begun for them', async () => {
    const { database, sent } = databaseWhere();
    const statuses = new WritesAtCommit<string>((ids) => ({ table: 'orders', statement: sql`UPDATE orders SET status = 'SEEN' WHERE id = ANY(${ids}::uuid[])` }));

    await database.transaction(async (tx) => {
      orders.add(tx, ['o-1']);
      statuses.add(tx, ['o-1']);
    });

    expect(sent).toEqual([
      'BEGIN',
      'INSERT INTO orders (id) SELECT * FROM unnest($1::uuid[])',
      "UPDATE orders SET status = 'SEEN' WHERE id = ANY($1::uuid[])",
      'COMMIT',
      'released',
    ]);
  });
});
