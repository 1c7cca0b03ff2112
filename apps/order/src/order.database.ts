import { prismaDatabase } from '@platform/service-kit';
import { Prisma, PrismaClient } from './generated/prisma/client';

export class OrderDatabase extends prismaDatabase(PrismaClient) {}
export interface OrderDatabase extends PrismaClient {}

export type OrderTransaction = Prisma.TransactionClient;

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
