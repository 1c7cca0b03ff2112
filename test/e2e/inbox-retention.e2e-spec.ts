import { ExpiredRows } from '@platform/database';
import { INBOX_ROWS } from '@platform/idempotency';
import { Pool } from 'pg';
import pino from 'pino';
import { createLabDatabase } from '../../tools/outbox-lab/lab';

const HOUR_MS = 3_600_000;

describe('inbox retention on the real PostgreSQL', () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = new Pool({ connectionString: await createLabDatabase('inbox_retention_test'), max: 2 });
  });

  afterAll(async () => {
    await pool.end();
  });

  it('deletes the rows older than the retention, in chunks, and keeps the rest', async () => {
    // 12,000 rows from eight days ago (more than two chunks) and 100 from an hour ago.
    await pool.query(`
      INSERT INTO inbox_message (message_id, consumer, message_type, processed_at)
      SELECT 'old-' || n, 'lab-consumer', 'lab.message', now() - interval '8 days' FROM generate_series(1, 12000) AS n`);
    await pool.query(`
      INSERT INTO inbox_message (message_id, consumer, message_type, processed_at)
      SELECT 'new-' || n, 'lab-consumer', 'lab.message', now() - interval '1 hour' FROM generate_series(1, 100) AS n`);

    const run = async (text: string, values: unknown[]) => (await pool.query(text, values)).rowCount ?? 0;
    const deleted = await new ExpiredRows(run, INBOX_ROWS, 168 * HOUR_MS, pino({ level: 'silent' })).deleteExpired();

    expect(deleted).toBe(12_000);
    const { rows } = await pool.query<{ message_id: string }>('SELECT message_id FROM inbox_message ORDER BY message_id');
    expect(rows).toHaveLength(100);
    expect(rows.every(({ message_id }) => message_id.startsWith('new-'))).toBe(true);
  });
});
