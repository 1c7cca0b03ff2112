-- CreateTable
CREATE TABLE "order_activity" (
    "message_id" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_activity_pkey" PRIMARY KEY ("message_id")
);

-- CreateIndex
CREATE INDEX "order_activity_order_id_occurred_at_idx" ON "order_activity"("order_id", "occurred_at");
