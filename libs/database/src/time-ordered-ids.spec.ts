import { newTimeOrderedId } from './time-ordered-ids';

describe('time-ordered ids', () => {
  it('are version 7 UUIDs, each made later sorting after the one before, even within a millisecond', () => {
    const ids = Array.from({ length: 2_000 }, () => newTimeOrderedId());
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('start with the time they were made, in milliseconds', () => {
    const before = Date.now();
    const id = newTimeOrderedId();
    const madeAt = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(madeAt).toBeGreaterThanOrEqual(before);
    expect(madeAt).toBeLessThanOrEqual(Date.now());
  });
});
