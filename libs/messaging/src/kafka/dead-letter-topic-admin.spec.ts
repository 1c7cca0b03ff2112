import type { IHeaders, KafkaMessage } from 'kafkajs';
import { cursorAfter, describeDeadLetter, readRanges, redrivenCopy, redriveStart } from './dead-letter-topic-admin';

const letter = (offset: string, overrides: { key?: Buffer | null; value?: Buffer | null; headers?: IHeaders } = {}): KafkaMessage => ({
  key: Buffer.from('order-1'),
  value: Buffer.from('{"orderId":"order-1"}'),
  timestamp: '1767225600000',
  attributes: 0,
  offset,
  headers: {
    'message-id': Buffer.from('m-1'),
    'message-type': Buffer.from('order.completed'),
    'dlt-error': Buffer.from('PermanentMessageError: payload breaks its contract'),
    'dlt-attempts': Buffer.from('3'),
    'dlt-original-topic': Buffer.from('orders'),
    'dlt-original-partition': Buffer.from('2'),
    'dlt-original-offset': Buffer.from('41'),
    'dlt-consumer-group': Buffer.from('points.orders'),
    'dlt-failed-at': Buffer.from('2026-01-01T00:00:00.000Z'),
  },
  ...overrides,
});

describe('where a redrive resumes', () => {
  const bounds = { partition: 0, low: '10', high: '20' };

  it('when the redrive group has a cursor inside the log, then it resumes there', () => {
    expect(redriveStart(bounds, 15)).toBe(15);
  });

  it('when everything was re-driven, then it resumes at the end: nothing to do', () => {
    expect(redriveStart(bounds, 20)).toBe(20);
  });

  it.each([
    ['there is no cursor yet', undefined],
    ['retention deleted what the cursor points to', 4],
    ['the cursor is past the end (the topic was recreated)', 30],
  ])('when %s, then it starts at the beginning of the log', (_, cursor) => {
    expect(redriveStart(bounds, cursor)).toBe(10);
  });
});

describe('what a read covers', () => {
  it('when partitions are empty or already read, then they are left out, so an empty topic needs no consumer', () => {
    const bounds = [
      { partition: 0, low: '0', high: '0' },
      { partition: 1, low: '3', high: '8' },
      { partition: 2, low: '0', high: '4' },
    ];

    const ranges = readRanges(bounds, ({ partition, low }) => (partition === 2 ? 4 : Number(low)));

    expect([...ranges]).toEqual([[1, { from: 3, to: 8 }]]);
  });

  it('when a window is given, then no partition is read further than that many letters past its start', () => {
    const bounds = [
      { partition: 0, low: '0', high: '25000' },
      { partition: 1, low: '100', high: '150' },
    ];

    const ranges = readRanges(bounds, ({ low }) => Number(low), 10_000);

    expect([...ranges]).toEqual([
      [0, { from: 0, to: 10_000 }],
      [1, { from: 100, to: 150 }],
    ]);
  });
});

describe('a dead letter as the operator sees it', () => {
  it('when the consumer dead-lettered it, then its failure, origin and identity come from the headers', () => {
    expect(describeDeadLetter(1, letter('7'), 0)).toEqual({
      partition: 1,
      offset: '7',
      key: 'order-1',
      error: 'PermanentMessageError: payload breaks its contract',
      attempts: 3,
      originalTopic: 'orders',
      originalPartition: 2,
      originalOffset: '41',
      consumerGroup: 'points.orders',
      failedAt: '2026-01-01T00:00:00.000Z',
      messageId: 'm-1',
      type: 'order.completed',
      payload: { orderId: 'order-1' },
      redriven: false,
    });
  });

  it('when its body is not JSON, then the payload is the raw text', () => {
    expect(describeDeadLetter(0, letter('0', { value: Buffer.from('not json {') }), 0).payload).toBe('not json {');
  });

  it('when it has no headers or key, then those fields are null', () => {
    expect(describeDeadLetter(0, letter('0', { headers: {}, key: null }), 0)).toMatchObject({
      key: null,
      error: null,
      attempts: null,
      originalPartition: null,
      messageId: null,
    });
  });

  it.each([
    ['before the redrive cursor', '4', true],
    ['at the redrive cursor (the next to re-drive)', '5', false],
    ['after the redrive cursor', '6', false],
  ])('when it sits %s, then redriven is %s', (_, offset, redriven) => {
    expect(describeDeadLetter(0, letter(offset), 5).redriven).toBe(redriven);
  });
});

describe('the re-driven copy', () => {
  it('when a letter is re-driven, then key, value and message headers stay, the failure headers go, and it says where it came from and for which group', () => {
    const original = letter('7');

    const copy = redrivenCopy('orders.dlt', { partition: 1, message: original });

    expect(copy.key).toBe(original.key);
    expect(copy.value).toBe(original.value);
    expect(copy.headers).toEqual({
      'message-id': Buffer.from('m-1'),
      'message-type': Buffer.from('order.completed'),
      'redriven-from': 'orders.dlt:1:7',
      'redriven-for-group': 'points.orders',
    });
  });
});

describe('the redrive cursor after a redrive', () => {
  it('when letters of several partitions were re-driven, then each partition moves past its last one', () => {
    const letters = [
      { partition: 2, message: letter('4') },
      { partition: 0, message: letter('10') },
      { partition: 2, message: letter('5') },
      { partition: 0, message: letter('11') },
    ];

    expect(cursorAfter(letters)).toEqual([
      { partition: 0, offset: '12' },
      { partition: 2, offset: '6' },
    ]);
  });
});
