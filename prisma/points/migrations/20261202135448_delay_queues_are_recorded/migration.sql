-- CreateTable
CREATE TABLE "rabbit_delay_queue" (
    "name" TEXT NOT NULL,
    "binding" JSONB NOT NULL,
    "declared_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "unbound_at" TIMESTAMPTZ(3),

    CONSTRAINT "rabbit_delay_queue_pkey" PRIMARY KEY ("name")
);
