import { describeError } from '@platform/messaging';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { OUTBOX_CHANNEL } from './outbox-writer';

/**
 * The relay's LISTEN connection: every transaction that writes outbox rows sends a NOTIFY naming
 * the broker, and this turns it into a wake-up. If the connection drops, the relay's poll keeps it
 * going until a worker opens it again.
 */
export class OutboxListener {
  private listener: PoolClient | null = null;
  private opening: Promise<void> | null = null;

  constructor(
    private readonly pool: Pool,
    /** A broker's rows were written; none named (an operator's re-drive, a lost connection): look at every broker's. */
    private readonly wake: (broker?: string) => void,
    private readonly logger: Logger,
  ) {}

  /** Workers share one connection; the first to find it missing (re)opens it. */
  ensureListening(): Promise<void> {
    if (this.listener) return Promise.resolve();
    this.opening ??= this.listen().finally(() => (this.opening = null));
    return this.opening;
  }

  async stop(): Promise<void> {
    const client = this.listener;
    this.listener = null;
    if (!client) return;
    await client.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch((error: unknown) =>
      this.logger.debug({ err: describeError(error) }, 'UNLISTEN failed on a closing connection'),
    );
    client.release();
  }

  private async listen(): Promise<void> {
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      client.on('notification', (notification) => this.wake(notification.payload || undefined));
      const listening = client;
      listening.on('error', (error: unknown) => {
        this.logger.warn({ err: describeError(error) }, 'outbox LISTEN connection lost');
        if (this.listener === listening) this.listener = null;
        listening.release(true);
        // Sleeping workers would not notice until their poll: send them round to LISTEN again, and look.
        this.wake();
      });
      await listening.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listener = listening;
      // Rows committed while nobody listened sent their NOTIFY to no one: look once now.
      this.wake();
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'outbox relay cannot LISTEN; polling only');
      if (client && this.listener !== client) client.release(true);
    }
  }
}
