import { DeliveryTally, summarizeLatencies } from '../../../bench/brokers/tally';

describe('the latency summary', () => {
  it('gives the nearest-rank p50 and p99 and the maximum of what was measured', () => {
    const oneToThousand = Array.from({ length: 1_000 }, (_, index) => (index + 1) / 10);
    expect(summarizeLatencies(oneToThousand)).toEqual({ count: 1_000, p50Ms: 50, p99Ms: 99, maxMs: 100 });
  });

  it('does not depend on the order the latencies came in', () => {
    expect(summarizeLatencies([9, 1, 5, 3, 7])).toEqual({ count: 5, p50Ms: 5, p99Ms: 9, maxMs: 9 });
  });

  it('when one message in a hundred is slow, then p99 is still a fast one and only the maximum shows it', () => {
    const latencies = [...Array.from({ length: 99 }, () => 2), 500];
    expect(summarizeLatencies(latencies)).toMatchObject({ p50Ms: 2, p99Ms: 2, maxMs: 500 });
  });

  it('when nothing was measured, then there is no latency to report', () => {
    const summary = summarizeLatencies([]);
    expect(summary.count).toBe(0);
    expect(summary.p50Ms).toBeNaN();
    expect(summary.maxMs).toBeNaN();
  });
});

describe('the tally of deliveries', () => {
  const stamp = (sequence: number, dueAtMs: number, sentAtMs = dueAtMs) => ({ sequence, dueAtMs, sentAtMs });

  it('counts a latency from the due time to the delivery, once per message', () => {
    const tally = new DeliveryTally(1_000);
    tally.record(stamp(0, 100), 101.5);
    tally.record(stamp(1, 200), 204);

    expect(tally.summary()).toMatchObject({ deliveries: 2, distinct: 2, duplicates: 0, latency: { count: 2, p50Ms: 1.5, maxMs: 4 } });
  });

  it('when a message went out late, then its latency counts the lateness and its transit does not', () => {
    const tally = new DeliveryTally(1_000);
    tally.record(stamp(0, 100, 103), 103.5);

    expect(tally.summary()).toMatchObject({ latency: { p50Ms: 3.5 }, transit: { p50Ms: 0.5 } });
  });

  it('when a message is delivered twice, then the second is a duplicate and its latency is not counted again', () => {
    const tally = new DeliveryTally(1_000);
    tally.record(stamp(7, 100), 101);
    tally.record(stamp(7, 100), 900);

    expect(tally.summary()).toMatchObject({ deliveries: 2, distinct: 1, duplicates: 1, latency: { count: 1, maxMs: 1 } });
  });

  it('counts as consumed in the window only what arrived by its end', () => {
    const tally = new DeliveryTally(1_000);
    tally.record(stamp(0, 900), 999);
    tally.record(stamp(1, 950), 1_000);
    tally.record(stamp(2, 990), 1_001);

    expect(tally.summary()).toMatchObject({ distinct: 3, distinctInWindow: 2 });
  });

  it('keeps track of sequence numbers far beyond its first size', () => {
    const tally = new DeliveryTally(Number.POSITIVE_INFINITY);
    tally.record(stamp(5_000_000, 0), 1);
    tally.record(stamp(3, 0), 1);
    tally.record(stamp(5_000_000, 0), 1);

    expect(tally.summary()).toMatchObject({ distinct: 2, duplicates: 1 });
  });
});
