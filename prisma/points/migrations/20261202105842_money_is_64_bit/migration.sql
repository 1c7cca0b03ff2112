-- AlterTable
ALTER TABLE "points_balance" ALTER COLUMN "balance" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "points_ledger" ALTER COLUMN "points" SET DATA TYPE BIGINT,
ALTER COLUMN "total_cents" SET DATA TYPE BIGINT;
