-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "outbox_status" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- CreateEnum
CREATE TYPE "order_status" AS ENUM ('PENDING', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "saga_status" AS ENUM ('RUNNING', 'COMPLETED', 'COMPENSATED');

-- CreateTable
CREATE TABLE "outbox_message" (
    "id" UUID NOT NULL,
    "sequence" BIGSERIAL NOT NULL,
    "aggregate_id" TEXT NOT NULL,
    "message_type" TEXT NOT NULL,
    "message_version" INTEGER NOT NULL,
    "broker" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "routing_key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "status" "outbox_status" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inbox_message" (
    "message_id" TEXT NOT NULL,
    "consumer" TEXT NOT NULL,
    "message_type" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbox_message_pkey" PRIMARY KEY ("message_id","consumer")
);

-- CreateTable
CREATE TABLE "orders" (
    "id" UUID NOT NULL,
    "customer_id" TEXT NOT NULL,
    "status" "order_status" NOT NULL DEFAULT 'PENDING',
    "items" JSONB NOT NULL,
    "total_cents" INTEGER,
    "cancellation_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_key" (
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "order_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "saga_instance" (
    "id" UUID NOT NULL,
    "saga_type" TEXT NOT NULL,
    "status" "saga_status" NOT NULL,
    "current_step" INTEGER NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "saga_instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "saga_history" (
    "id" BIGSERIAL NOT NULL,
    "saga_id" UUID NOT NULL,
    "step" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "detail" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saga_history_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_message_sequence_key" ON "outbox_message"("sequence");

-- CreateIndex
CREATE INDEX "outbox_message_status_sequence_idx" ON "outbox_message"("status", "sequence");

-- CreateIndex
CREATE INDEX "orders_customer_id_idx" ON "orders"("customer_id");

-- CreateIndex
CREATE INDEX "saga_history_saga_id_id_idx" ON "saga_history"("saga_id", "id");

-- AddForeignKey
ALTER TABLE "saga_history" ADD CONSTRAINT "saga_history_saga_id_fkey" FOREIGN KEY ("saga_id") REFERENCES "saga_instance"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
