import { type CommitWrite, writeGroups, writesTogether } from './commit-writes';
import { sql } from './sql';

const insertInto = (table: string, ids: string[]): CommitWrite => ({
  table,
  statement: { text: `INSERT INTO ${table} (id) SELECT * FROM unnest($1::uuid[])`, values: [ids] },
});

describe('writesTogether', () => {
  it('sends a single write as it is', () => {
    const write = insertInto('orders', ['a']);

    expect(writesTogether([write])).toBe(write.statement);
  });

  it('makes each write a WITH query of one statement, its placeholders numbered after the earlier writes\' values', () => {
    const orders = { table: 'orders', statement: sql`INSERT INTO orders (id, items) SELECT * FROM unnest(${['o-1']}::uuid[], ${['[]']}::text[])` };
    const sagas = { table: 'saga_instance', statement: sql`INSERT INTO saga_instance (id) SELECT * FROM unnest(${['o-1']}::uuid[])` };
    const outbox = {
      table: 'outbox_message',
      statement: sql`INSERT INTO outbox_message (id) SELECT * FROM unnest(${['m-1']}::uuid[])`,
      select: sql`SELECT pg_notify(${'channel'}, broker) FROM unnest(${['kafka']}::text[]) AS b(broker)`,
    };

    const together = writesTogether([orders, sagas, outbox]);

    expect(together.text).toBe(
      [
        'WITH write_1 AS (INSERT INTO orders (id, items) SELECT * FROM unnest($1::uuid[], $2::text[])),',
        'write_2 AS (INSERT INTO saga_instance (id) SELECT * FROM unnest($3::uuid[])),',
        'write_3 AS (INSERT INTO outbox_message (id) SELECT * FROM unnest($4::uuid[]))',
        'SELECT count(*) FROM (SELECT pg_notify($5, broker) FROM unnest($6::text[]) AS b(broker)) AS s',
      ].join('\n'),
    );
    expect(together.values).toEqual([['o-1'], ['[]'], ['o-1'], ['m-1'], 'channel', ['kafka']]);
  });

  it('numbers two-digit placeholders whole: $12 becomes $13, not $22', () => {
    const first = { table: 'orders', statement: sql`UPDATE orders SET status = ${'X'}` };
    const values = Array.from({ length: 12 }, (_, index) => index);
    const wide = { table: 'saga_instance', statement: { text: values.map((index) => `$${index + 1}`).join(','), values } };

    const together = writesTogether([first, wide]);

    expect(together.text).toContain(`write_2 AS (${values.map((index) => `$${index + 2}`).join(',')})`);
    expect(together.values).toEqual(['X', ...values]);
  });
});

describe('writeGroups', () => {
  it('keeps writes of different tables together, in order', () => {
    const writes = [insertInto('orders', ['a']), insertInto('saga_instance', ['a'])];

    expect(writeGroups(writes)).toEqual([writes]);
  });

  it('starts a new statement at a table already written: sibling WITH queries would not see each other\'s rows', () => {
    const [first, second, third] = [insertInto('saga_instance', ['a']), insertInto('orders', ['a']), insertInto('saga_instance', ['b'])];

    expect(writeGroups([first, second, third])).toEqual([[first, second], [third]]);
  });
});
