import { BatchGathering } from './batch-gathering';

describe('BatchGathering', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const cutAfter = async (gathering: BatchGathering, waiting: number): Promise<{ cut: () => boolean }> => {
    let cut = false;
    void gathering.untilCut(waiting).then(() => (cut = true));
    await Promise.resolve();
    return { cut: () => cut };
  };

  it('without a linger, cuts the batch at once', async () => {
    const gathering = new BatchGathering(0, 250);
    gathering.batchStarted();

    const batch = await cutAfter(gathering, 1);
    await jest.advanceTimersByTimeAsync(0);

    expect(batch.cut()).toBe(true);
  });

  it('cuts the batch when the linger has passed since its first delivery, not since the last', async () => {
    const gathering = new BatchGathering(250, 250);
    gathering.batchStarted();
    await jest.advanceTimersByTimeAsync(100);
    gathering.grewTo(2);

    const batch = await cutAfter(gathering, 2);
    await jest.advanceTimersByTimeAsync(149);
    expect(batch.cut()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(batch.cut()).toBe(true);
  });

  it('cuts the batch as soon as the prefetch window is full', async () => {
    const gathering = new BatchGathering(250, 3);
    gathering.batchStarted();

    const batch = await cutAfter(gathering, 1);
    gathering.grewTo(2);
    await jest.advanceTimersByTimeAsync(10);
    expect(batch.cut()).toBe(false);
    gathering.grewTo(3);
    await jest.advanceTimersByTimeAsync(0);
    expect(batch.cut()).toBe(true);
  });

  it('does not wait for a batch whose window was already full', async () => {
    const gathering = new BatchGathering(250, 3);
    gathering.batchStarted();

    const batch = await cutAfter(gathering, 3);
    await jest.advanceTimersByTimeAsync(0);

    expect(batch.cut()).toBe(true);
  });
});
