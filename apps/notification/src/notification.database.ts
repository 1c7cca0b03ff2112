import type { SqlTransaction } from '@platform/database';
import { prismaDatabase } from '@platform/service-kit';
import { PrismaClient } from './generated/prisma/client';

/** The notification database through Prisma: notifications read over HTTP, and the schema. */
export class NotificationDatabase extends prismaDatabase(PrismaClient) {}
export interface NotificationDatabase extends PrismaClient {}

/** The consumers' transaction: decisions and sent notifications are written with SQL on the consumers' pool. */
export type NotificationTransaction = SqlTransaction;
