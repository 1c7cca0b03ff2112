-- AlterTable
ALTER TABLE "product" ALTER COLUMN "price_cents" SET DATA TYPE BIGINT,
ALTER COLUMN "available" SET DATA TYPE BIGINT,
ALTER COLUMN "reserved" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "reservation" ALTER COLUMN "unit_price_cents" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "product_demand" ALTER COLUMN "orders_placed" SET DATA TYPE BIGINT,
ALTER COLUMN "units_requested" SET DATA TYPE BIGINT;
