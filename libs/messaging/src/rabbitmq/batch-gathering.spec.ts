import { BatchGathering } from './batch-gathering';

describe('BatchGathering', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const startWaiting = async (gathering: BatchGathering, waiting: number): Promise<{ cut: () => boolean }> => {
    let cut = false;
    void gathering.untilCut(waiting).then(() => (cut = true));
    await Promise.resolve();
    return { cut: () => cut };
  };

  it('without a linger, cuts the batch at once', async () => {
    const gathering = new BatchGathering(0, 250);
    gathering.arrived(1);

    const batch = await startWaiting(gathering, 1);
    await jest.advanceTimersByTimeAsync(0);

    expect(batch.cut()).toBe(true);
  });

  it('cuts the batch when the linger has passed since its first delivery, not since the last', async () => {
    const gathering = new BatchGathering(250, 250);
    gathering.arrived(1);
    await jest.advanceTimersByTimeAsync(100);
    gathering.arrived(2);

    const batch = await startWaiting(gathering, 2);
    await jest.advanceTimersByTimeAsync(149);
    expect(batch.cut()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(batch.cut()).toBe(true);
  });

  it('cuts the batch as soon as the prefetch window is full', async () => {
    const gathering = new BatchGathering(250, 3);
    gathering.arrived(1);

    const batch = await startWaiting(gathering, 1);
    gathering.arrived(2);
    await jest.advanceTimersByTimeAsync(10);
    expect(batch.cut()).toBe(false);
    gathering.arrived(3);
    await jest.advanceTimersByTimeAsync(0);
    expect(batch.cut()).toBe(true);
  });

  it('does not wait for a batch whose window was already full', async () => {
    const gathering = new BatchGathering(250, 3);
    for (const waiting of [1, 2, 3]) gathering.arrived(waiting);

    const batch = await startWaiting(gathering, 3);
    await jest.advanceTimersByTimeAsync(0);

    expect(batch.cut()).toBe(true);
  });

  it('starts the linger of the next batch at its own first delivery, after the previous batch was cut', async () => {
    const gathering = new BatchGathering(250, 250);
    gathering.arrived(1);
    await jest.advanceTimersByTimeAsync(400);
    gathering.arrived(1); // the previous batch was taken; this delivery starts the next one

    const batch = await startWaiting(gathering, 1);
    await jest.advanceTimersByTimeAsync(249);
    expect(batch.cut()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(batch.cut()).toBe(true);
  });
});
