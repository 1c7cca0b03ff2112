import type { IHeaders, KafkaMessage } from 'kafkajs';
import { describeDeadLetter, planRedrive, readRanges, redrivenCopy, redriveStart, waitingLetters } from './dead-letter-topics';

const letter = (offset: string, overrides: { key?: Buffer | null; value?: Buffer | null; headers?: IHeaders } = {}): KafkaMessage => ({
  key: Buffer.from('order-1'),
  value: Buffer.from('{"orderId":"order-1"}'),
  timestamp: '1767225600000',
  attributes: 0,
  offset,
  headers: {
    'message-id': Buffer.from('m-1'),
    'message-type': Buffer.from('order.completed'),
    'correlation-id': Buffer.from('order-1'),
    'x-dead-letter-reason': Buffer.from('payload breaks its contract'),
    'x-dead-letter-attempts': Buffer.from('3'),
    'x-dead-letter-consumer': Buffer.from('points.orders'),
    'x-dead-letter-source': Buffer.from('orders'),
    'x-dead-letter-source-partition': Buffer.from('2'),
    'x-dead-letter-source-offset': Buffer.from('41'),
    'x-dead-lettered-at': Buffer.from('2026-01-01T00:00:00.000Z'),
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

describe('how many letters wait for a redrive', () => {
  const bounds = [
    { partition: 0, low: '10', high: '20' },
    { partition: 1, low: '0', high: '5' },
    { partition: 2, low: '7', high: '7' },
  ];

  it('when a partition has a cursor, then the letters from it to the end wait; without one, the whole log', () => {
    expect(waitingLetters(bounds, new Map([[0, 15]]))).toBe(5 + 5);
  });

  it('when every partition was re-driven to its end, then none wait', () => {
    expect(waitingLetters(bounds, new Map([[0, 20], [1, 5], [2, 7]]))).toBe(0);
  });

  it('when retention deleted what a cursor points to, then what the log still holds waits', () => {
    expect(waitingLetters(bounds, new Map([[0, 4], [1, 5], [2, 7]]))).toBe(10);
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
  it('when the consumer dead-lettered it, then its failure, origin and identity come from the headers, in the words RabbitMQ letters use', () => {
    expect(describeDeadLetter('orders', 1, letter('7'), 0)).toEqual({
      messageId: 'm-1',
      type: 'order.completed',
      correlationId: 'order-1',
      reason: 'payload breaks its contract',
      attempts: 3,
      deadLetteredAt: '2026-01-01T00:00:00.000Z',
      consumer: 'points.orders',
      failedOn: { topic: 'orders', partition: 2, offset: '41' },
      heldIn: { topic: 'orders.dlt', partition: 1, offset: '7' },
      redriven: false,
      payload: { orderId: 'order-1' },
    });
  });

  it('when an earlier version dead-lettered it (dlt-* headers), then it reads the same, and its re-driven copy drops those headers too', () => {
    const earlier = letter('3', {
      headers: {
        'message-id': Buffer.from('m-1'),
        'dlt-error': Buffer.from('PermanentMessageError: payload breaks its contract'),
        'dlt-attempts': Buffer.from('3'),
        'dlt-original-topic': Buffer.from('orders'),
        'dlt-original-partition': Buffer.from('2'),
        'dlt-original-offset': Buffer.from('41'),
        'dlt-consumer-group': Buffer.from('points'),
        'dlt-failed-at': Buffer.from('2026-01-01T00:00:00.000Z'),
      },
    });

    expect(describeDeadLetter('orders', 0, earlier, 0)).toMatchObject({
      reason: 'PermanentMessageError: payload breaks its contract',
      attempts: 3,
      consumer: 'points',
      deadLetteredAt: '2026-01-01T00:00:00.000Z',
      failedOn: { topic: 'orders', partition: 2, offset: '41' },
    });
    expect(redrivenCopy('orders.dlt', { partition: 0, message: earlier }).headers).toEqual({
      'message-id': Buffer.from('m-1'),
      'redriven-from': 'orders.dlt:0:3',
      'redriven-for-group': 'points',
    });
  });

  it('when its body is not JSON, then the payload is the raw text', () => {
    expect(describeDeadLetter('orders', 0, letter('0', { value: Buffer.from('not json {') }), 0).payload).toBe('not json {');
  });

  it('when it has no headers, then the reason is unknown, it failed on the topic at an unknown place, and the rest is null', () => {
    expect(describeDeadLetter('orders', 0, letter('0', { headers: {}, key: null }), 0)).toMatchObject({
      reason: 'unknown',
      attempts: null,
      consumer: null,
      failedOn: { topic: 'orders', partition: null, offset: null },
      messageId: null,
    });
  });

  it.each([
    ['before the redrive cursor', '4', true],
    ['at the redrive cursor (the next to re-drive)', '5', false],
    ['after the redrive cursor', '6', false],
  ])('when it sits %s (offset %s), then redriven is %s', (_, offset, redriven) => {
    expect(describeDeadLetter('orders', 0, letter(offset), 5).redriven).toBe(redriven);
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
      'correlation-id': Buffer.from('order-1'),
      'redriven-from': 'orders.dlt:1:7',
      'redriven-for-group': 'points.orders',
    });
  });
});

describe('what a redrive sends, and where its cursor goes', () => {
  const ofGroup = (group: string) => (partition: number, offset: string) => ({
    partition,
    message: letter(offset, { headers: { 'x-dead-letter-consumer': Buffer.from(group) } }),
  });
  const ours = ofGroup('points');
  const theirs = ofGroup('order-activity');
  const isOurs = ({ message }: { message: KafkaMessage }) => message.headers?.['x-dead-letter-consumer']?.toString() === 'points';
  const offsets = (letters: readonly { partition: number; message: KafkaMessage }[]) => letters.map(({ partition, message }) => `${partition}:${message.offset}`);

  it('when every letter of the group fits the limit, then all are sent and each partition moves past everything read, other groups\' letters included', () => {
    const plan = planRedrive([ours(2, '4'), theirs(0, '10'), ours(2, '5'), ours(0, '11'), theirs(2, '6')], isOurs, 100);

    expect(offsets(plan.send)).toEqual(['0:11', '2:4', '2:5']);
    expect(plan.cursor).toEqual([
      { partition: 0, offset: '12' },
      { partition: 2, offset: '7' },
    ]);
    expect(plan.leftOver).toBe(false);
  });

  it('when the group has more letters than the limit, then the first ones in partition order are sent and the cursor stops at the first left over', () => {
    const plan = planRedrive([ours(0, '3'), ours(0, '4'), theirs(0, '5'), ours(0, '6'), ours(1, '0'), theirs(1, '1')], isOurs, 2);

    expect(offsets(plan.send)).toEqual(['0:3', '0:4']);
    expect(plan.cursor).toEqual([
      { partition: 0, offset: '6' },
      { partition: 1, offset: '0' },
    ]);
    expect(plan.leftOver).toBe(true);
  });

  it.each([0, -1, 1.5])('when the limit is %s, then it refuses: a redrive sends at least one letter', (limit) => {
    expect(() => planRedrive([ours(0, '1')], isOurs, limit)).toThrow(RangeError);
  });
});
