import { type RabbitConnection, RabbitConsumer, type RetryPolicy } from '@platform/messaging';
import { BatchTransport, type BatchTransportOptions } from './batch-transport';

export interface RabbitQueueConsumer {
  readonly queue: string;
  readonly prefetch: number;
  readonly lingerMs: number;
  readonly retry: RetryPolicy;
}

/**
 * The RabbitMQ side of a service as a Nest transport: a consumer per queue, each handing its
 * prefetch window over as one batch (see RabbitConsumer for acks, retries and dead letters).
 */
export class RabbitMqTransport extends BatchTransport {
  constructor(
    private readonly connection: RabbitConnection,
    private readonly queues: readonly RabbitQueueConsumer[],
    options: BatchTransportOptions,
  ) {
    super(options);
  }

  listen(callback: () => void): void {
    this.indexHandlers();
    for (const { queue, prefetch, lingerMs, retry } of this.queues) {
      this.platform.metrics.consumerStarted(queue);
      new RabbitConsumer(
        this.connection,
        { queue, prefetch, lingerMs, retry, consumer: this.platform.service },
        (messages) => this.dispatch(queue, messages),
        this.platform.logger.child({ component: 'consumer' }),
        this.platform.metrics,
      );
    }
    // Consumers register before the connection starts, so each connection (and each reconnect) opens them.
    this.connection.start();
    callback();
  }

  /** PlatformRuntime closes the connection at shutdown, after the outbox relay has stopped publishing on it. */
  close(): void {}

  unwrap<T>(): T {
    return this.connection as T;
  }
}
