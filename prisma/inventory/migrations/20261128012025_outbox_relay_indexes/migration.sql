-- The relay's ordering check looks up earlier rows of the same aggregate.
CREATE INDEX "outbox_message_aggregate_id_sequence_idx" ON "outbox_message"("aggregate_id", "sequence");

-- The relay claims pending rows in sequence order. A partial index keeps that one short index
-- scan however many SENT rows wait for the retention clean-up (Prisma's schema cannot express a
-- partial index, so it lives here only).
CREATE INDEX "outbox_message_pending_sequence_idx" ON "outbox_message"("sequence") WHERE "status" = 'PENDING';
