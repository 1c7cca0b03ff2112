import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { adminDatabaseUrl, ROOT, SERVICES, type ServiceSpec, serviceDatabaseUrl } from './stack.config';

const run = promisify(execFile);

/**
 * Creates each service's database if it is missing and applies its migrations. `prisma migrate
 * deploy` is only run for a database that lacks some migration: the CLI takes seconds even when
 * there is nothing to do.
 */
export async function prepareDatabases(log: (line: string) => void): Promise<void> {
  await createMissingDatabases();
  await Promise.all(
    SERVICES.map(async (service) => {
      const pending = await pendingMigrations(service);
      if (pending.length === 0) return;
      log(`${service.name}: applying ${pending.length} migration(s)`);
      await migrate(service);
    }),
  );
}

async function createMissingDatabases(): Promise<void> {
  const admin = new Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  try {
    for (const service of SERVICES) {
      const name = new URL(serviceDatabaseUrl(service)).pathname.slice(1);
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
    }
  } finally {
    await admin.end();
  }
}

async function pendingMigrations(service: ServiceSpec): Promise<string[]> {
  const folder = path.join(ROOT, 'prisma', service.name, 'migrations');
  const entries = await readdir(folder, { withFileTypes: true });
  const wanted = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const client = new Client({ connectionString: serviceDatabaseUrl(service) });
  await client.connect();
  try {
    const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists");
    if (!rows[0].exists) return wanted;
    const applied = await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const done = new Set(applied.rows.map((row) => row.migration_name));
    return wanted.filter((name) => !done.has(name));
  } finally {
    await client.end();
  }
}

async function migrate(service: ServiceSpec): Promise<void> {
  const config = path.join(ROOT, 'prisma', service.name, 'prisma.config.ts');
  try {
    await run(path.join(ROOT, 'node_modules', '.bin', 'prisma'), ['migrate', 'deploy', '--config', config], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: serviceDatabaseUrl(service), CHECKPOINT_DISABLE: '1' },
      timeout: 120_000,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`migrations of the ${service.name} database failed:\n${stdout}${stderr}`);
  }
}

/**
 * What one instance of a replicated service may hold, with its pools shared out (see
 * poolSizesPerInstance): an order instance's pools allow 18, the others' fewer. Under the saga
 * benchmark three instances of every service held 105 connections between them at most.
 */
const CONNECTIONS_PER_INSTANCE = 16;
/** For the console, the tools and psql sessions. */
const SPARE_CONNECTIONS = 30;

/** Refuses to start more instances than the PostgreSQL server has connections for, saying what to change. */
export async function ensureConnectionRoom(instances: number): Promise<void> {
  const needed = CONNECTIONS_PER_INSTANCE * instances + SPARE_CONNECTIONS;
  const admin = new Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ max_connections: string }>('SHOW max_connections');
    const allowed = Number(rows[0].max_connections);
    if (allowed < needed) {
      throw new Error(
        `${instances} service instances need up to ${needed} PostgreSQL connections and the server allows ${allowed}: ` +
          `raise its max_connections (scripts/ensure-postgres-connections.sh does it for a local server), or run fewer replicas`,
      );
    }
  } finally {
    await admin.end();
  }
}
