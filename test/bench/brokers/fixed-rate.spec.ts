import { fixedRateFor } from '../../../bench/brokers/fixed-rate';

describe('the offered rate of the fixed-rate phase', () => {
  it('is the configured rate when the configuration carried at least twice that at saturation', () => {
    expect(fixedRateFor(1_000, { publishedPerSec: 12_000, consumedPerSec: 9_000 })).toBe(1_000);
    expect(fixedRateFor(1_000, { publishedPerSec: 2_000, consumedPerSec: 2_000 })).toBe(1_000);
  });

  it('when the configured rate is more than half of what it carried, then half of that, rounded down to two digits', () => {
    expect(fixedRateFor(1_000, { publishedPerSec: 812, consumedPerSec: 820 })).toBe(400);
    expect(fixedRateFor(1_000, { publishedPerSec: 1_950, consumedPerSec: 1_990 })).toBe(970);
    expect(fixedRateFor(1_000, { publishedPerSec: 37, consumedPerSec: 37 })).toBe(18);
  });

  it('goes by the lower of published and consumed: a consumer that fell behind is saturated too', () => {
    expect(fixedRateFor(1_000, { publishedPerSec: 50_000, consumedPerSec: 1_500 })).toBe(750);
  });

  it('when nothing got through at all, then it still offers one message a second', () => {
    expect(fixedRateFor(1_000, { publishedPerSec: 0, consumedPerSec: 0 })).toBe(1);
  });
});
