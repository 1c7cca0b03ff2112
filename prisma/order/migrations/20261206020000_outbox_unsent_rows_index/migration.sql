-- A row is published straight after its commit only if no earlier row of its aggregate for the same
-- destination is unsent (the INSERT of OutboxWriter asks, and so do the ordering checks of the
-- relay). A partial index of the unsent rows answers in a few pages however many SENT rows the
-- table keeps. Without it, PostgreSQL answered a write of many rows by hashing the whole table.
CREATE INDEX "outbox_message_unsent_aggregate_idx" ON "outbox_message"("aggregate_id", "destination") WHERE "status" <> 'SENT';
