import { prismaDatabase } from '@platform/service-kit';
import { type Prisma, PrismaClient } from './generated/prisma/client';

export class InventoryDatabase extends prismaDatabase(PrismaClient) {}
export interface InventoryDatabase extends PrismaClient {}

export type InventoryTransaction = Prisma.TransactionClient;
