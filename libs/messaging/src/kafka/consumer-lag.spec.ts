import { type PartitionLag, partitionLag, summarizeLag } from './consumer-lag';

const position = (overrides: Partial<Omit<PartitionLag, 'lag'>>): Omit<PartitionLag, 'lag'> => ({
  group: 'billing',
  topic: 'invoices',
  partition: 0,
  committedOffset: null,
  logStartOffset: 0,
  logEndOffset: 0,
  ...overrides,
});

describe('the lag of one partition', () => {
  it('when the group has committed an offset, then the lag is what was written after it', () => {
    expect(partitionLag(position({ committedOffset: 7, logStartOffset: 2, logEndOffset: 10 })).lag).toBe(3);
  });

  it('when the group has read everything, then the lag is zero', () => {
    expect(partitionLag(position({ committedOffset: 10, logStartOffset: 2, logEndOffset: 10 })).lag).toBe(0);
  });

  it('when the group has committed nothing, then it will read the whole log: the lag counts from the log start', () => {
    expect(partitionLag(position({ committedOffset: null, logStartOffset: 4, logEndOffset: 10 }))).toMatchObject({ committedOffset: null, lag: 6 });
  });

  it('when retention deleted the committed offset, then the group restarts at the log start, and the lag counts from there', () => {
    expect(partitionLag(position({ committedOffset: 1, logStartOffset: 4, logEndOffset: 10 })).lag).toBe(6);
  });

  it('when the committed offset is past the end (the topic was recreated), then the lag counts from the log start', () => {
    expect(partitionLag(position({ committedOffset: 50, logStartOffset: 0, logEndOffset: 10 })).lag).toBe(10);
  });
});

describe('summing lag up', () => {
  const lag = (group: string, topic: string, partition: number, value: number): PartitionLag =>
    partitionLag(position({ group, topic, partition, committedOffset: 0, logEndOffset: value }));

  it('when groups read several topics, then it totals each topic and each group, in name order', () => {
    const summary = summarizeLag([
      lag('shipping', 'orders', 0, 5),
      lag('billing', 'orders', 0, 1),
      lag('billing', 'orders', 1, 2),
      lag('billing', 'invoices', 0, 10),
    ]);

    expect(summary).toEqual([
      { group: 'billing', totalLag: 13, topics: [{ topic: 'invoices', totalLag: 10 }, { topic: 'orders', totalLag: 3 }] },
      { group: 'shipping', totalLag: 5, topics: [{ topic: 'orders', totalLag: 5 }] },
    ]);
  });

  it('when there are no partitions, then there is nothing to total', () => {
    expect(summarizeLag([])).toEqual([]);
  });
});
