import { decodeMessage, encodeMessage, MESSAGE_BYTES, wallClockMs } from '../../../bench/brokers/payload';

describe('a measured message', () => {
  it('is 1 KiB and carries its sequence number, due time and send time, to a fraction of a millisecond', () => {
    const stamp = { sequence: 123_456, dueAtMs: 1_796_356_656_095.5625, sentAtMs: 1_796_356_656_096.125 };
    const message = encodeMessage(stamp);

    expect(message).toHaveLength(MESSAGE_BYTES);
    expect(MESSAGE_BYTES).toBe(1024);
    expect(decodeMessage(message)).toEqual(stamp);
  });

  it('refuses to read something that is not a measured message', () => {
    expect(() => decodeMessage(Buffer.from('survival marker'))).toThrow('a measured message has 1024 bytes, this one 15');
  });

  it('is stamped by a wall clock finer than Date.now()', () => {
    // A reading that re-anchors the clock to Date.now() may be that whole millisecond; the readings after it are not.
    const readings = Array.from({ length: 5 }, () => {
      const start = performance.now();
      while (performance.now() - start < 0.05);
      return wallClockMs();
    });
    for (const reading of readings) expect(Math.abs(reading - Date.now())).toBeLessThan(50);
    expect(readings.filter((reading) => !Number.isInteger(reading)).length).toBeGreaterThanOrEqual(4);
  });

  it('is stamped by the wall clock even after the wall clock was stepped', () => {
    const realNow = Date.now;
    try {
      const stepped = realNow() + 11_000;
      Date.now = () => stepped;
      expect(Math.abs(wallClockMs() - stepped)).toBeLessThan(2);
    } finally {
      Date.now = realNow;
    }
    expect(Math.abs(wallClockMs() - Date.now())).toBeLessThan(2);
  });
});
