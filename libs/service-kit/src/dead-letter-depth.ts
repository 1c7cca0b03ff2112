import { RepeatingTask } from '@platform/database';
import { type DeadLetterStore, describeError } from '@platform/messaging';
import type { Logger } from 'pino';

/** The dead letters of one broker's sources (the queues or topics the service consumes). */
export interface DeadLetterSources {
  readonly broker: 'rabbitmq' | 'kafka';
  readonly store: DeadLetterStore;
  readonly sources: readonly string[];
}

export interface DeadLetterDepthMetrics {
  deadLetters(broker: string, source: string, count: number): void;
}

/**
 * Counts the dead letters waiting in each of the service's dead-letter queues and topics every few
 * seconds, for the `dead_letter_messages` gauge: a message the platform gave up on waits for an
 * operator, and nothing else says so. The counts are the brokers' (a queue's message count, a
 * topic's offsets); no letter is read. A broker that does not answer keeps its sources' last
 * values: readiness reports the broker, this need not.
 */
export class DeadLetterDepthMonitor {
  private readonly checks: RepeatingTask;

  constructor(
    private readonly brokers: readonly DeadLetterSources[],
    private readonly metrics: DeadLetterDepthMetrics,
    private readonly logger: Logger,
    intervalMs = 5_000,
  ) {
    this.checks = new RepeatingTask(intervalMs, () => this.countAll());
  }

  start(): void {
    if (this.brokers.some(({ sources }) => sources.length > 0)) this.checks.start();
  }

  /** Resolves once a count under way has ended. */
  stop(): Promise<void> {
    return this.checks.stop();
  }

  /** The brokers side by side: a broker that is down can take its client's retries (seconds) to say so. */
  private async countAll(): Promise<void> {
    await Promise.all(this.brokers.map((broker) => this.count(broker)));
  }

  private async count({ broker, store, sources }: DeadLetterSources): Promise<void> {
    for (const source of sources) {
      try {
        this.metrics.deadLetters(broker, source, await store.waiting(source));
      } catch (error) {
        this.logger.debug({ broker, source, err: describeError(error) }, 'dead letters not counted: the broker did not answer');
      }
    }
  }
}
