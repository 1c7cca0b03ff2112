import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

/**
 * Prisma CLI configuration for one service's schema folder. The driver adapter lets
 * `prisma generate` and `prisma migrate deploy` run with no native engine binary.
 */
export function serviceConfig(service: string) {
  return defineConfig({
    experimental: { adapter: true },
    engine: 'js',
    schema: path.join(__dirname, service),
    migrations: { path: path.join(__dirname, service, 'migrations') },
    async adapter() {
      const connectionString = process.env.DATABASE_URL;
      if (!connectionString) throw new Error('DATABASE_URL is not set');
      // The CLI never closes the pool; a short idle timeout lets the process exit as soon as it is done.
      return new PrismaPg({ connectionString, idleTimeoutMillis: 50, allowExitOnIdle: true });
    },
  });
}
