import type { SqlTransaction } from '@platform/database';
import { prismaDatabase } from '@platform/service-kit';
import { PrismaClient } from './generated/prisma/client';

/** The inventory database through Prisma: products set up and read over HTTP, and the schema. */
export class InventoryDatabase extends prismaDatabase(PrismaClient) {}
export interface InventoryDatabase extends PrismaClient {}

/** The consumers' transaction: reservations and demand are written with SQL on the consumers' pool. */
export type InventoryTransaction = SqlTransaction;
