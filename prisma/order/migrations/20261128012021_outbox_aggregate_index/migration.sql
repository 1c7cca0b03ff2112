-- CreateIndex
CREATE INDEX "outbox_message_aggregate_id_sequence_idx" ON "outbox_message"("aggregate_id", "sequence");
