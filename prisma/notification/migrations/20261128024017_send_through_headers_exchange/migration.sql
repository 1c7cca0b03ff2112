-- AlterTable
ALTER TABLE "notification" ADD COLUMN     "priority" TEXT NOT NULL DEFAULT 'normal',
ADD COLUMN     "sent_via" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "order_outcome" (
    "order_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_outcome_pkey" PRIMARY KEY ("order_id")
);
