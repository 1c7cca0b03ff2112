-- Edited by hand: existing keys take their customer from the order they created.
-- AlterTable
ALTER TABLE "idempotency_key" ADD COLUMN "customer_id" TEXT;

UPDATE "idempotency_key" k SET "customer_id" = o."customer_id" FROM "orders" o WHERE o."id" = k."order_id";

DELETE FROM "idempotency_key" WHERE "customer_id" IS NULL;

ALTER TABLE "idempotency_key" ALTER COLUMN "customer_id" SET NOT NULL,
DROP CONSTRAINT "idempotency_key_pkey",
ADD CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("customer_id", "key");

-- CreateIndex
CREATE INDEX "idempotency_key_created_at_idx" ON "idempotency_key"("created_at");
