import { prismaDatabase } from '@platform/service-kit';
import { type Prisma, PrismaClient } from './generated/prisma/client';

export class PaymentDatabase extends prismaDatabase(PrismaClient) {}
export interface PaymentDatabase extends PrismaClient {}

export type PaymentTransaction = Prisma.TransactionClient;
