import { percentile, percentiles } from '../../../bench/saga/percentiles';

describe('percentiles (nearest rank)', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, index) => index + 1);

  it('answers a value that was measured, never one in between', () => {
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('when there are a hundred values, then p50 is the 50th and p99 the 99th', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 90)).toBe(90);
    expect(percentile(oneToHundred, 99)).toBe(99);
  });

  it('p100 is the maximum and p0 the minimum', () => {
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
  });

  it('when there is one value, then every percentile is that value', () => {
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
  });

  it('when there are no values, then there is no percentile', () => {
    expect(percentile([], 50)).toBeNaN();
  });

  it('sorts unsorted values itself and leaves them as they were', () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentiles(values, [50, 100])).toEqual({ p50: 3, p100: 5 });
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });
});
