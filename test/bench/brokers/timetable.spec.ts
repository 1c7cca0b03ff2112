import { sendsFor, Timetable } from '../../../bench/brokers/timetable';

describe('the fixed-rate timetable', () => {
  it('spaces the messages evenly at the rate, the first one due at once', () => {
    const timetable = new Timetable(1_000, 0.005);
    expect(timetable.size).toBe(5);
    expect([0, 1, 2, 3, 4].map((index) => timetable.dueAtMs(index))).toEqual([0, 1, 2, 3, 4]);
  });

  it('offers rate x seconds messages', () => {
    expect(new Timetable(1_000, 10).size).toBe(10_000);
    expect(new Timetable(400, 2.5).size).toBe(1_000);
  });

  it('counts as due every message whose time has come, carrying on from those already sent', () => {
    const timetable = new Timetable(4, 1); // due at 0, 250, 500, 750 ms
    expect(timetable.dueBy(0, 0)).toBe(1);
    expect(timetable.dueBy(499, 1)).toBe(2);
    expect(timetable.dueBy(500, 2)).toBe(3);
    expect(timetable.dueBy(10_000, 3)).toBe(4);
  });

  it('when the producer wakes late, then everything due meanwhile is due at once, and keeps its own due time', () => {
    const timetable = new Timetable(1_000, 1);
    expect(timetable.dueBy(40.5, 10)).toBe(41);
    expect(timetable.dueAtMs(30)).toBe(30); // sent at 40.5 ms, its latency counts from 30 ms
  });

  it('says how long until the next message is due: none when it is overdue, never once all are sent', () => {
    const timetable = new Timetable(4, 1);
    expect(timetable.msUntilNext(100, 1)).toBe(150);
    expect(timetable.msUntilNext(300, 1)).toBe(0);
    expect(timetable.msUntilNext(900, 4)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('cutting the due messages into sends', () => {
  it('sends at most a batch per send, the last one with the rest', () => {
    expect(sendsFor(0, 450, 200)).toEqual([
      [0, 200],
      [200, 400],
      [400, 450],
    ]);
  });

  it('when one message is due, then it goes alone; when none is, there is no send', () => {
    expect(sendsFor(7, 8, 200)).toEqual([[7, 8]]);
    expect(sendsFor(8, 8, 200)).toEqual([]);
  });

  it('with a batch size of one, every message is its own send', () => {
    expect(sendsFor(3, 6, 1)).toEqual([
      [3, 4],
      [4, 5],
      [5, 6],
    ]);
  });

  it('refuses a batch that could hold nothing', () => {
    expect(() => sendsFor(0, 10, 0)).toThrow('at least one message');
  });
});
