import type { SqlTransaction } from '@platform/database';
import { prismaDatabase } from '@platform/service-kit';
import { PrismaClient } from './generated/prisma/client';

/** The points database through Prisma: balances read over HTTP, and the schema. */
export class PointsDatabase extends prismaDatabase(PrismaClient) {}
export interface PointsDatabase extends PrismaClient {}

/** The consumer's transaction: the ledger and balances are written with SQL on the consumers' pool. */
export type PointsTransaction = SqlTransaction;
