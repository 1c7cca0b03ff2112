import type { Producer } from '../../../bench/brokers/client';
import { decodeMessage, type Stamp, wallClockMs } from '../../../bench/brokers/payload';
import { sendAsFastAsAllowed, sendOnTimetable } from '../../../bench/brokers/sending';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SendSeen {
  readonly at: number;
  readonly stamps: Stamp[];
}

/** A producer whose every send takes `ms` to be acknowledged, noting when each send was made and what it carried. */
function slowProducer(ms: number, failEvery = 0): { producer: Producer; sends: SendSeen[] } {
  const sends: SendSeen[] = [];
  return {
    sends,
    producer: {
      send: async (messages) => {
        sends.push({ at: wallClockMs(), stamps: messages.map(decodeMessage) });
        await sleep(ms);
        if (failEvery > 0 && sends.length % failEvery === 0) throw new Error('the broker said no');
      },
      close: async () => undefined,
    },
  };
}

describe('sending on the timetable (open loop)', () => {
  it('when acknowledgements are slower than the rate, then every message is still sent when it is due', async () => {
    const { producer, sends } = slowProducer(300);
    const startAtMs = wallClockMs() + 20;
    const counter = await sendOnTimetable(producer, 200, { type: 'start', startAtMs, seconds: 0.1, ratePerSec: 100 });

    expect(counter.published).toBe(10);
    // A closed loop would have made the tenth send after nine slow acknowledgements, some 2.7 s in;
    // the bound is loose because this machine may be busy, and still far below that.
    expect(sends[sends.length - 1].at - startAtMs).toBeLessThan(1_000);
    expect(counter.done().sendLagMs).toMatchObject({ count: 10 });
    expect(counter.done().sendLagMs!.p50Ms).toBeLessThan(300);
  });

  it('stamps each message with its due time, and with when it actually went out', async () => {
    const { producer, sends } = slowProducer(1);
    const startAtMs = wallClockMs() + 20;
    await sendOnTimetable(producer, 200, { type: 'start', startAtMs, seconds: 0.05, ratePerSec: 100 });

    const stamps = sends.flatMap((send) => send.stamps);
    expect(stamps.map((stamp) => stamp.sequence)).toEqual([0, 1, 2, 3, 4]);
    expect(stamps.map((stamp) => stamp.dueAtMs - startAtMs)).toEqual([0, 10, 20, 30, 40]);
    for (const send of sends) {
      for (const stamp of send.stamps) {
        expect(stamp.sentAtMs).toBeGreaterThanOrEqual(stamp.dueAtMs);
        expect(send.at).toBeGreaterThanOrEqual(stamp.sentAtMs);
      }
    }
  });

  it('measures how late each message went out, a share of its latency that is the producer\'s own', async () => {
    const { producer, sends } = slowProducer(1);
    const startAtMs = wallClockMs() + 20;
    const counter = await sendOnTimetable(producer, 200, { type: 'start', startAtMs, seconds: 0.05, ratePerSec: 100 });

    const lateness = sends.flatMap((send) => send.stamps.map((stamp) => stamp.sentAtMs - stamp.dueAtMs)).sort((a, b) => a - b);
    const { sendLagMs } = counter.done();
    expect(sendLagMs?.count).toBe(5);
    expect(sendLagMs!.maxMs).toBe(lateness[lateness.length - 1]);
  });

  it('at saturation there is no timetable, so no lateness', async () => {
    const { producer } = slowProducer(5);
    const counter = await sendAsFastAsAllowed(producer, 10, { type: 'start', startAtMs: wallClockMs(), seconds: 0.02, ratePerSec: null });
    expect(counter.done().sendLagMs).toBeNull();
  });

  it('counts failed sends apart, and keeps the first failure', async () => {
    const { producer } = slowProducer(1, 2);
    const counter = await sendOnTimetable(producer, 1, { type: 'start', startAtMs: wallClockMs(), seconds: 0.04, ratePerSec: 100 });

    expect(counter.done()).toMatchObject({ published: 2, failed: 2, firstError: 'the broker said no' });
  });
});

describe('sending at saturation', () => {
  it('sends full batches one after the other until the time is up, numbering every message', async () => {
    const { producer, sends } = slowProducer(20);
    const counter = await sendAsFastAsAllowed(producer, 3, { type: 'start', startAtMs: wallClockMs(), seconds: 0.1, ratePerSec: null });

    // 100 ms of 20 ms acknowledgements: at most 6 sends, and fewer when timers fire late on a busy machine.
    expect(sends.length).toBeGreaterThanOrEqual(2);
    expect(sends.length).toBeLessThanOrEqual(6);
    expect(counter.published).toBe(sends.length * 3);
    expect(sends.flatMap((send) => send.stamps.map((stamp) => stamp.sequence))).toEqual(Array.from({ length: sends.length * 3 }, (_, index) => index));
    // One send at a time: each starts after the previous one was acknowledged.
    for (let index = 1; index < sends.length; index += 1) expect(sends[index].at - sends[index - 1].at).toBeGreaterThanOrEqual(18);
  });
});
