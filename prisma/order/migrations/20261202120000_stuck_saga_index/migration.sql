-- Written by hand, since the Prisma schema cannot declare a partial index.
-- The stuck-saga check reads only running sagas, oldest first, and finished sagas are most of the table.
CREATE INDEX "saga_instance_running_updated_at_idx" ON "saga_instance"("updated_at") WHERE "status" = 'RUNNING';
