-- CreateIndex
CREATE INDEX "inbox_message_processed_at_idx" ON "inbox_message"("processed_at");
