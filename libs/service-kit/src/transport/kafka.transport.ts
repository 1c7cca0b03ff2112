import type { InboundMessage } from '@platform/messaging';
import type { KafkaRuntime } from '../kafka.runtime';
import { BatchTransport, type BatchTransportOptions } from './batch-transport';

/**
 * The Kafka side of a service as a Nest transport: its consumer group's batches (one per
 * partition fetch, offsets committed after the transaction; see KafkaRuntime) go to the group's
 * handlers. A service that only publishes to Kafka has no group, and the transport just starts
 * the producer.
 */
export class KafkaTransport extends BatchTransport {
  constructor(
    private readonly kafka: KafkaRuntime,
    private readonly groupId: string | null,
    options: BatchTransportOptions,
  ) {
    super(options);
    kafka.handleBatchesWith((messages) => this.handleBatch(messages));
  }

  listen(callback: () => void): void {
    this.indexHandlers();
    if (this.groupId) this.platform.metrics.consumerStarted(this.groupId);
    this.kafka.start();
    callback();
  }

  /** A topic carries every event of its aggregate; the group handles the types it has handlers for. */
  async handleBatch(messages: readonly InboundMessage[]): Promise<void> {
    const group = this.groupId;
    if (!group) return;
    const handled = messages.filter((message) => this.handles(group, message.type));
    if (handled.length > 0) await this.dispatch(group, handled);
  }

  /** PlatformRuntime stops the consumer and the producer at shutdown, around the outbox relay. */
  close(): void {}

  unwrap<T>(): T {
    return this.kafka as T;
  }
}
