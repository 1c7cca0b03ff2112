import { prismaDatabase } from '@platform/service-kit';
import { type Prisma, PrismaClient } from './generated/prisma/client';

export class PointsDatabase extends prismaDatabase(PrismaClient) {}
export interface PointsDatabase extends PrismaClient {}

export type PointsTransaction = Prisma.TransactionClient;
