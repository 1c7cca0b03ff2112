import type { SqlTransaction } from '@platform/database';
import { prismaDatabase } from '@platform/service-kit';
import { PrismaClient } from './generated/prisma/client';

/** The payment database through Prisma: accounts set up and read over HTTP, and the schema. */
export class PaymentDatabase extends prismaDatabase(PrismaClient) {}
export interface PaymentDatabase extends PrismaClient {}

/** The consumers' transaction: charges and refunds are written with SQL on the consumers' pool. */
export type PaymentTransaction = SqlTransaction;
