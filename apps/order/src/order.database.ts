import type { SqlTransaction } from '@platform/database';
import { prismaDatabase } from '@platform/service-kit';
import { PrismaClient } from './generated/prisma/client';

/** The order database through Prisma: reads (GET /orders/:id, the activity) and the schema. */
export class OrderDatabase extends prismaDatabase(PrismaClient) {}
export interface OrderDatabase extends PrismaClient {}

/** The hot paths' transaction: POST /orders on the API's pool, the saga's replies on the consumers'. */
export type OrderTransaction = SqlTransaction;
