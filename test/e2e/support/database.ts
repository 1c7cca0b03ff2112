import { Client } from 'pg';
import { platformUnderTest, type ServiceName } from './environment';

/** Reads a service's database directly, to prove what was (not) stored. */
export async function queryService<T extends object>(service: ServiceName, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: platformUnderTest.databaseUrl(service) });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

export async function ordersStoredFor(customerId: string): Promise<number> {
  const [row] = await queryService<{ count: string }>('order', 'SELECT count(*) FROM orders WHERE customer_id = $1', [customerId]);
  return Number(row.count);
}
