import { answers } from '../../../tools/stack/infrastructure';
import { run } from './commands';
import { queryService } from './database';
import { platformUnderTest } from './environment';
import { eventually, placeOrder, putAccount, putProduct, terminalOrder, unique } from './platform';

export const redisIsUp = () => answers('127.0.0.1', 6379);

export async function stopRedis(): Promise<void> {
  await run('redis-cli', ['-p', '6379', 'shutdown', 'nosave']);
  await eventually(redisIsUp, (up) => !up, { what: 'Redis to stop' });
}

/** Starts Redis again as the stack does (no persistence), if a test stopped it. */
export async function ensureRedisIsUp(): Promise<void> {
  if (!(await redisIsUp())) {
    await run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no']);
  }
  await eventually(redisIsUp, (up) => up, { what: 'Redis to be back' });
}

/**
 * Waits until the services remember messages in Redis again: after an outage their clients
 * reconnect with a back-off of up to 5 s, and a message handled meanwhile is remembered in the
 * database only. A test that stopped Redis leaves the platform as it found it for the next suite.
 */
export async function awaitServicesRememberingInRedis(): Promise<void> {
  const [sku, customer] = [unique('redis-probe'), unique('customer')];
  await putProduct(sku, 100, 1_000);
  await putAccount(customer, 1_000_000);
  await eventually(
    async () => {
      const order = await terminalOrder((await placeOrder(customer, [{ sku, quantity: 1 }])).body.id);
      const [placed] = await queryService<{ id: string }>('order', "SELECT id FROM outbox_message WHERE aggregate_id = $1 AND message_type = 'order.placed'", [order.id]);
      // Its consumers may handle it a moment after the order ended: events linger (EVENT_LINGER_MS).
      return rememberedWithin(placed.id, 5_000);
    },
    Boolean,
    { timeoutMs: 60_000, intervalMs: 500, what: 'the services to remember messages in Redis again' },
  );
}

/** Whether a consumer has remembered the message in Redis within `ms`. */
function rememberedWithin(messageId: string, ms: number): Promise<boolean> {
  const remembered = async () =>
    (await run('redis-cli', ['-n', String(platformUnderTest.redisDatabase), '--scan', '--pattern', `inbox:*:${messageId}`])).trim().length > 0;
  return eventually(remembered, Boolean, { timeoutMs: ms, what: 'the message to be remembered' }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof Error && error.message.startsWith('timed out waiting for the message to be remembered')) return false;
      throw error;
    },
  );
}
