import { Client } from 'pg';

/** Whether this instance is the one that runs a task all instances of a service could run. */
export interface Leadership {
  /**
   * Asked before each run: true while this instance leads, taking the lead when nobody holds it.
   * Also true when it cannot be known (the database does not answer): for an alert, raised twice
   * is better than not raised.
   */
  isLeader(): Promise<boolean>;
  /** Gives the lead up, for another instance to take at its next try. */
  release(): Promise<void>;
}

/**
 * Leadership held as a PostgreSQL session advisory lock on a connection of its own. One instance
 * at a time holds the lock; it is released the moment that connection closes, so when the leader
 * stops, or is SIGKILLed, another instance takes the lead at its next try. Used for the checks
 * that raise alerts: run by every instance, each alert would be raised once per instance.
 */
export class AdvisoryLockLeadership implements Leadership {
  private client: Client | null = null;
  private leading = false;

  constructor(
    private readonly connectionString: string,
    /** Names what is led, e.g. "stuck-sagas"; instances of one service lead it together, per database. */
    private readonly task: string,
    /** Told when this instance takes or loses the lead, with why it lost it. */
    private readonly onChange: (leading: boolean, lostBecause?: unknown) => void = () => undefined,
  ) {}

  async isLeader(): Promise<boolean> {
    try {
      const client = await this.connection();
      if (this.leading) {
        // The lock lives as long as the session: a session that still answers still holds it.
        await client.query('SELECT 1');
        return true;
      }
      const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS acquired', [this.task]);
      if (rows[0].acquired) this.changeTo(true);
      return this.leading;
    } catch (error) {
      this.drop(error);
      return true;
    }
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (this.leading) this.changeTo(false);
    await client?.end(); // closing the session releases its locks
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    // Timeouts and keep-alives: a session that died silently must not hold up the task, and is
    // found dead long before the server would let another instance take the lock.
    const client = new Client({
      connectionString: this.connectionString,
      application_name: `leadership:${this.task}`,
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
      keepAlive: true,
    });
    client.on('error', (error) => {
      if (this.client === client) this.drop(error);
    });
    this.client = client;
    await client.connect();
    return client;
  }

  /** A broken session has lost its lock: start again with a new one at the next try. */
  private drop(error: unknown): void {
    const client = this.client;
    this.client = null;
    if (this.leading) this.changeTo(false, error);
    client?.end().catch(() => undefined); // already broken: its end can only fail the same way
  }

  private changeTo(leading: boolean, lostBecause?: unknown): void {
    this.leading = leading;
    this.onChange(leading, lostBecause);
  }
}
