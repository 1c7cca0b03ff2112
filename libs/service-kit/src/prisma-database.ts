import { Inject, Injectable } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin pattern requires any[]
type PrismaClientClass = abstract new (...args: any[]) => object;

/**
 * Turns a service's generated PrismaClient class into an injectable database for that service,
 * connected through the pg driver adapter (no native query engine).
 *
 *   export class InventoryDatabase extends prismaDatabase(PrismaClient) {}
 */
export function prismaDatabase<C extends PrismaClientClass>(Client: C) {
  @Injectable()
  abstract class ServicePrismaClient extends Client {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin pattern requires any[]
    constructor(...args: any[]) {
      const options = args[0] as PlatformOptions;
      super({ adapter: new PrismaPg({ connectionString: options.config.DATABASE_URL, max: options.config.DATABASE_POOL_SIZE }) });
    }
  }
  Inject(PLATFORM_OPTIONS)(ServicePrismaClient, undefined, 0);
  return ServicePrismaClient;
}
