import { dueCount, openLoopSchedule, runBurst, runOpenLoop } from '../../../bench/saga/load';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the open-loop schedule', () => {
  it('spaces the requests evenly at the rate, the first one at once', () => {
    expect(openLoopSchedule(4, 1)).toEqual([0, 250, 500, 750]);
  });

  it('offers rate x seconds requests, also for rates that are not whole', () => {
    expect(openLoopSchedule(25, 20)).toHaveLength(500);
    expect(openLoopSchedule(2.5, 2)).toEqual([0, 400, 800, 1200, 1600]);
  });

  it('counts as due every request whose time has come, including one due exactly now', () => {
    const schedule = [0, 250, 500, 750];
    expect(dueCount(schedule, 0)).toBe(1);
    expect(dueCount(schedule, 499)).toBe(2);
    expect(dueCount(schedule, 500)).toBe(3);
    expect(dueCount(schedule, 10_000)).toBe(4);
  });

  it('when some were sent already, then it carries on from them', () => {
    expect(dueCount([0, 250, 500, 750], 600, 2)).toBe(3);
    expect(dueCount([0, 250, 500, 750], 100, 3)).toBe(3);
  });
});

describe('running an open loop', () => {
  it('when answers are slower than the schedule, then every request is still sent when it is due', async () => {
    const schedule = openLoopSchedule(100, 0.1); // ten requests, 10 ms apart
    const results = await runOpenLoop(schedule, async () => {
      await sleep(300);
      return 'answered';
    });

    expect(results).toHaveLength(10);
    const start = results[0].dueAt;
    // A closed loop would have sent the last one after nine slow answers, some 2.7 s in.
    expect(results[9].sentAt - start).toBeLessThan(250);
    for (const result of results) expect(result.sentAt - result.dueAt).toBeLessThan(100);
  });

  it('counts latency from when a request was due, not from when it was sent', async () => {
    const [result] = await runOpenLoop([0], async () => 'answered');
    expect(result.answeredAt - result.dueAt).toBeGreaterThanOrEqual(result.answeredAt - result.sentAt);
  });
});

describe('running a burst', () => {
  it('sends exactly the count, never more than the connections at once', async () => {
    let inFlight = 0;
    let mostAtOnce = 0;
    const results = await runBurst(25, 4, async () => {
      inFlight += 1;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      await sleep(5);
      inFlight -= 1;
      return 'answered';
    });

    expect(results).toHaveLength(25);
    expect(mostAtOnce).toBe(4);
  });

  it('when there are more connections than requests, then it opens only as many as it needs', async () => {
    let calls = 0;
    await runBurst(2, 64, async () => ++calls);
    expect(calls).toBe(2);
  });
});
