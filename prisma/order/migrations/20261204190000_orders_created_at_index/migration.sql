-- The saga browser (GET /admin/sagas) lists newest first. created_at never changes, so updates of
-- an order stay HOT; the cost is one index entry per order placed.
-- CreateIndex
CREATE INDEX "orders_created_at_idx" ON "orders"("created_at");
