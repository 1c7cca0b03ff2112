-- AlterTable
ALTER TABLE "account" ALTER COLUMN "credit_limit_cents" SET DATA TYPE BIGINT,
ALTER COLUMN "available_cents" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "payment" ALTER COLUMN "amount_cents" SET DATA TYPE BIGINT;
