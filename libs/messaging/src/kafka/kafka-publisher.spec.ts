import { type Kafka, KafkaJSProtocolError } from 'kafkajs';
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

/** A Kafka whose producers record what they were asked, and fail a send when told to. */
function fakeKafka(failures: (Error | undefined)[]) {
  const producers: { sent: number; disconnected: boolean }[] = [];
  const kafka = {
    producer: () => {
      const producer = { sent: 0, disconnected: false };
      producers.push(producer);
      return {
        on: () => undefined,
        connect: async () => undefined,
        disconnect: async () => void (producer.disconnected = true),
        sendBatch: async () => {
          producer.sent++;
          const failure = failures.shift();
          if (failure) throw failure;
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, producers };
}

/** As kafkajs builds one from a broker's error code: not retriable, with the code's name as its type. */
const protocolError = (type: string) => new KafkaJSProtocolError({ message: 'the broker refused it', type, retriable: false } as never);

describe('KafkaPublisher', () => {
  it('replaces its producer when the broker refuses its sequence numbers, and reports the batch as not sent, without using an attempt', async () => {
    const { kafka, producers } = fakeKafka([protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER')]);
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
});
