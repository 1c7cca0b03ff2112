import { type Kafka, KafkaJSProtocolError, type Message, Partitioners, type ProducerBatch, type ProducerConfig } from 'kafkajs';
import pino from 'pino';
import type { OutboundMessage } from '../message';
import { KafkaPublisher } from './kafka-publisher';

const message: OutboundMessage = {
  messageId: 'm-1',
  type: 'order.placed',
  version: 1,
  correlationId: 'order-1',
  occurredAt: '2026-12-05T00:00:00.000Z',
  payload: {},
  destination: { broker: 'kafka', topic: 'orders', key: 'order-1' },
};

const PARTITIONS = [0, 1, 2].map((partitionId) => ({ partitionId, leader: partitionId, replicas: [0, 1, 2], isr: [0, 1, 2], partitionErrorCode: 0 }));

/**
 * A Kafka whose producers record what they were asked and fail a send when told to. A send places
 * each message with the producer's partitioner, as kafkajs does, and answers for every partition it
 * wrote to, except those `dropped` names: kafkajs's answer after a retry that skipped a partition.
 * A promise among the failures holds that send until it resolves.
 */
function fakeKafka(failures: (Error | Promise<void> | undefined)[], dropped: number[] = []) {
  const producers: { sent: number; disconnected: boolean }[] = [];
  const kafka = {
    producer: ({ createPartitioner }: ProducerConfig) => {
      const producer = { sent: 0, disconnected: false };
      const partitioner = (createPartitioner ?? Partitioners.DefaultPartitioner)();
      producers.push(producer);
      return {
        on: () => undefined,
        connect: async () => undefined,
        disconnect: async () => void (producer.disconnected = true),
        sendBatch: async ({ topicMessages }: ProducerBatch) => {
          producer.sent++;
          const failure = failures.shift();
          if (failure instanceof Promise) await failure;
          else if (failure) throw failure;
          const written = new Set(
            topicMessages!.flatMap(({ topic, messages }) =>
              messages.map((message: Message) => `${topic}/${partitioner({ topic, partitionMetadata: PARTITIONS, message })}`),
            ),
          );
          return [...written]
            .map((written) => written.split('/'))
            .filter(([, partition]) => !dropped.includes(Number(partition)))
            .map(([topicName, partition]) => ({ topicName, partition: Number(partition), errorCode: 0 }));
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, producers };
}

/** The same message for another order: its key hashes to another partition, or may. */
const forOrder = (orderId: string): OutboundMessage => ({
  ...message,
  messageId: `m-${orderId}`,
  correlationId: orderId,
  destination: { broker: 'kafka', topic: 'orders', key: orderId },
});

/** As kafkajs builds one from a broker's error code: not retriable, with the code's name as its type. */
const protocolError = (type: string) => new KafkaJSProtocolError({ message: 'the broker refused it', type, retriable: false } as never);

describe('KafkaPublisher', () => {
  it('leaves every retry to the relay: kafkajs makes one attempt, without sequence numbers a retry could reuse', async () => {
    const configs: ProducerConfig[] = [];
    const { kafka } = fakeKafka([]);
    const producer = kafka.producer.bind(kafka);
    kafka.producer = (config) => (configs.push(config!), producer(config));
    await new KafkaPublisher(kafka, pino({ level: 'silent' })).publish([message]);

    expect(configs).toEqual([expect.objectContaining({ idempotent: false, retry: { retries: 0 }, maxInFlightRequests: 1 })]);
  });

  it('reports a retriable refusal as the broker being unavailable, replaces its producer, and sends the next batch on the new one', async () => {
    const { kafka, producers } = fakeKafka([
      Object.assign(new Error('This server is not the leader for that topic-partition'), { name: 'KafkaJSNumberOfRetriesExceeded' }),
    ]);
    const publisher = new KafkaPublisher(kafka, pino({ level: 'silent' }));

    expect(await publisher.publish([message])).toEqual([expect.objectContaining({ ok: false, brokerUnavailable: true })]);
    expect(producers).toHaveLength(2);
    expect(producers[0].disconnected).toBe(true);

    expect(await publisher.publish([message])).toEqual([{ ok: true }]);
    expect(producers[1].sent).toBe(1);
  });

  it('replaces its producer after a failure that may have reached a broker: a batch it gave up on may have been written', async () => {
    const { kafka, producers } = fakeKafka([Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSNumberOfRetriesExceeded' })]);
    const publisher = new KafkaPublisher(kafka, pino({ level: 'silent' }));

    expect(await publisher.publish([message])).toEqual([expect.objectContaining({ ok: false, brokerUnavailable: true })]);
    expect(producers).toHaveLength(2);
  });

  it('replaces its producer after the broker refuses the records too, and lets that failure spend an attempt', async () => {
    const { kafka, producers } = fakeKafka([protocolError('INVALID_RECORD')]);
    const publisher = new KafkaPublisher(kafka, pino({ level: 'silent' }));

    expect(await publisher.publish([message])).toEqual([expect.objectContaining({ ok: false, brokerUnavailable: false })]);
    expect(await publisher.publish([message])).toEqual([{ ok: true }]);
    expect(producers).toHaveLength(2);
  });

  it('reports the messages of a partition missing from the broker answers as not sent, and replaces its producer', async () => {
    const orders = Array.from({ length: 12 }, (_, index) => forOrder(`order-${index}`));
    const partitionOf = Partitioners.DefaultPartitioner();
    const onPartitionOne = orders.map(
      // forOrder keys each message by its order id.
      ({ correlationId }) => partitionOf({ topic: 'orders', partitionMetadata: PARTITIONS, message: { key: correlationId, value: '' } }) === 1,
    );
    expect(onPartitionOne).toContain(true);
    expect(onPartitionOne).toContain(false);

    const { kafka, producers } = fakeKafka([], [1]);
    const results = await new KafkaPublisher(kafka, pino({ level: 'silent' })).publish(orders);

    expect(results.map(({ ok }) => ok)).toEqual(onPartitionOne.map((onOne) => !onOne));
    expect(results.filter(({ ok }) => !ok)).toEqual(onPartitionOne.filter(Boolean).map(() => expect.objectContaining({ brokerUnavailable: true })));
    expect(producers).toHaveLength(2);
    expect(producers[0].disconnected).toBe(true);
  });

  it('replaces a producer once when batches fail on it together, and closes it only after its last batch', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { kafka, producers } = fakeKafka([held, Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' })]);
    const publisher = new KafkaPublisher(kafka, pino({ level: 'silent' }));

    const first = publisher.publish([forOrder('order-1')]);
    const second = await publisher.publish([forOrder('order-2')]);
    expect(second).toEqual([expect.objectContaining({ ok: false, brokerUnavailable: true })]);
    expect(producers).toHaveLength(2);
    expect(producers[0].disconnected).toBe(false);

    release();
    expect(await first).toEqual([{ ok: true }]);
    expect(producers[0].disconnected).toBe(true);
    expect(producers).toHaveLength(2);
  });
});
