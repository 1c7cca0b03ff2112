-- AlterTable
ALTER TABLE "orders" ALTER COLUMN "total_cents" SET DATA TYPE BIGINT;
