import { Queues } from '@platform/messaging';
import { queryService } from './database';
import { eventually } from './platform';

/**
 * Waits until the delayed copy of each order's order.placed has been handled on the order events
 * queue (ORDER_REMINDER_DELAY_MS after the order), so nothing about these orders is still to come.
 */
export async function remindersChecked(orderIds: readonly string[]): Promise<void> {
  const placed = await queryService<{ id: string }>(
    'order',
    "SELECT id FROM outbox_message WHERE aggregate_id = ANY($1) AND message_type = 'order.placed' AND broker = 'rabbitmq'",
    [orderIds],
  );
  expect(placed).toHaveLength(orderIds.length);
  await eventually(
    () =>
      queryService('notification', 'SELECT 1 FROM inbox_message WHERE message_id = ANY($1) AND consumer = $2', [
        placed.map(({ id }) => id),
        Queues.notificationOrderEvents,
      ]),
    (rows) => rows.length === orderIds.length,
    { timeoutMs: 60_000, what: `the reminder check of ${orderIds.length} order(s)` },
  );
}
