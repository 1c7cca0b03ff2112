import { type TopicLayout, validatedOffsets } from './consumer-group-reset';

const layouts: TopicLayout[] = [
  { topic: 'orders', partitions: [{ partition: 0, low: 5, high: 20 }, { partition: 1, low: 0, high: 3 }] },
  { topic: 'invoices', partitions: [{ partition: 0, low: 0, high: 0 }] },
];

describe('resetting a group to chosen offsets', () => {
  it('when every offset is inside its log (the end included), then they are set as given, in topic and partition order', () => {
    const offsets = validatedOffsets(
      [
        { topic: 'orders', partition: 1, offset: 3 },
        { topic: 'orders', partition: 0, offset: 5 },
        { topic: 'invoices', partition: 0, offset: 0 },
      ],
      layouts,
    );

    expect(offsets).toEqual([
      { topic: 'invoices', partition: 0, offset: 0 },
      { topic: 'orders', partition: 0, offset: 5 },
      { topic: 'orders', partition: 1, offset: 3 },
    ]);
  });

  it.each([
    ['before the log start (deleted by retention)', { topic: 'orders', partition: 0, offset: 4 }, 'orders/0: offset 4 is outside the log [5, 20]'],
    ['past the log end', { topic: 'orders', partition: 1, offset: 4 }, 'orders/1: offset 4 is outside the log [0, 3]'],
    ['not a whole number', { topic: 'orders', partition: 0, offset: 7.5 }, 'orders/0: offset 7.5 is outside the log'],
    ['on a partition that does not exist', { topic: 'orders', partition: 2, offset: 0 }, 'orders/2: orders has no partition 2 (it has 2)'],
    ['on a topic not being reset', { topic: 'payments', partition: 0, offset: 0 }, 'payments/0: payments is not among the topics being reset'],
  ])('when an offset is %s, then nothing is set and the error says which', (_, offset, reason) => {
    expect(() => validatedOffsets([{ topic: 'invoices', partition: 0, offset: 0 }, offset], layouts)).toThrow(reason);
  });

  it('when one partition is given twice, then nothing is set', () => {
    const twice = [
      { topic: 'orders', partition: 0, offset: 6 },
      { topic: 'orders', partition: 0, offset: 7 },
    ];

    expect(() => validatedOffsets(twice, layouts)).toThrow('orders/0: given twice');
  });

  it('when several offsets are wrong, then the error names all of them', () => {
    const wrong = [
      { topic: 'orders', partition: 0, offset: 0 },
      { topic: 'orders', partition: 9, offset: 0 },
    ];

    expect(() => validatedOffsets(wrong, layouts)).toThrow(/orders\/0: offset 0 .*; orders\/9: orders has no partition 9/);
  });
});
