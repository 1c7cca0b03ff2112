import { prismaDatabase } from '@platform/service-kit';
import { type Prisma, PrismaClient } from './generated/prisma/client';

export class NotificationDatabase extends prismaDatabase(PrismaClient) {}
export interface NotificationDatabase extends PrismaClient {}

export type NotificationTransaction = Prisma.TransactionClient;
