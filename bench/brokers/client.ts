import type { Configuration } from './configurations';

/** A producer as a phase drives it: one send carries a batch, and resolves when the configuration counts it as sent. */
export interface Producer {
  send(messages: readonly Buffer[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerHandlers {
  readonly onMessage: (message: Buffer) => void;
  /** The consumer can no longer consume (a closed connection, a cancelled consumer, a crash). */
  readonly onFailure: (error: Error) => void;
}

/** Consumes from the moment it is returned until closed. */
export interface Consumer {
  close(): Promise<void>;
}

// Each broker's client is loaded only by the processes that use it, so a Kafka producer's CPU is not RabbitMQ's library too.
export async function openProducer(configuration: Configuration, destination: string): Promise<Producer> {
  switch (configuration.broker) {
    case 'rabbitmq':
      return (await import('./rabbitmq')).openRabbitMqProducer(configuration, destination);
    case 'kafka':
      return (await import('./kafka')).openKafkaProducer(configuration, destination);
    case 'redis':
      return (await import('./redis-streams')).openRedisStreamProducer(destination);
  }
}

export async function openConsumer(configuration: Configuration, destination: string, handlers: ConsumerHandlers): Promise<Consumer> {
  switch (configuration.broker) {
    case 'rabbitmq':
      return (await import('./rabbitmq')).openRabbitMqConsumer(configuration, destination, handlers);
    case 'kafka':
      return (await import('./kafka')).openKafkaConsumer(destination, handlers);
    case 'redis':
      return (await import('./redis-streams')).openRedisStreamConsumer(destination, handlers);
  }
}
