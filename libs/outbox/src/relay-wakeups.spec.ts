import { RelayWakeups } from './relay-wakeups';

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('RelayWakeups', () => {
  it('wakes one sleeping worker of the broker named, and none of the other broker', async () => {
    const wakeups = new RelayWakeups(['rabbitmq', 'kafka']);
    const rabbit = [0, 1].map(() => wakeups.sleep('rabbitmq', 60_000, 0));
    const kafka = wakeups.sleep('kafka', 60_000, 0);

    wakeups.wake('rabbitmq');

    expect(await Promise.all([...rabbit.map(settled), settled(kafka)])).toEqual([true, false, false]);
    wakeups.close();
  });

  it('a worker that was busy when the wake-up came does not go to sleep on it', async () => {
    const wakeups = new RelayWakeups(['rabbitmq']);
    const seen = wakeups.generation('rabbitmq');
    wakeups.wake('rabbitmq'); // while the worker claims

    expect(await settled(wakeups.sleep('rabbitmq', 60_000, seen))).toBe(true);
  });

  it('handing on wakes the next worker without sending the busy one round again', async () => {
    const wakeups = new RelayWakeups(['rabbitmq']);
    const seen = wakeups.generation('rabbitmq');
    const other = wakeups.sleep('rabbitmq', 60_000, seen);

    wakeups.handOn('rabbitmq');

    expect(await settled(other)).toBe(true);
    expect(await settled(wakeups.sleep('rabbitmq', 60_000, seen))).toBe(false);
    wakeups.close();
  });

  it('work for a broker no worker serves, and closing, wake everyone', async () => {
    const wakeups = new RelayWakeups(['rabbitmq', 'kafka']);
    const sleeping = [wakeups.sleep('rabbitmq', 60_000, 0), wakeups.sleep('kafka', 60_000, 0)];
    wakeups.wake('redis');
    expect(await Promise.all(sleeping.map(settled))).toEqual([true, true]);

    wakeups.close();
    expect(await settled(wakeups.sleep('kafka', 60_000, wakeups.generation('kafka')))).toBe(true);
  });

  it('a wake-up while a worker lingers joins its claim: the generation moves, and no other worker is woken', async () => {
    const wakeups = new RelayWakeups(['kafka']);
    const before = wakeups.generation('kafka');
    const other = wakeups.sleep('kafka', 60_000, before);
    const lingering = wakeups.linger('kafka', 60_000);

    wakeups.wake('kafka');

    expect(wakeups.generation('kafka')).not.toBe(before);
    expect(await settled(other)).toBe(false);
    wakeups.close();
    expect(await settled(lingering)).toBe(true);
  });

  it('once the linger is over, a wake-up wakes a sleeping worker again', async () => {
    const wakeups = new RelayWakeups(['kafka']);
    await wakeups.linger('kafka', 1);
    const other = wakeups.sleep('kafka', 60_000, wakeups.generation('kafka'));

    wakeups.wake('kafka');

    expect(await settled(other)).toBe(true);
    wakeups.close();
  });

  it('closing ends a linger at once, so a stopping relay does not wait it out', async () => {
    const wakeups = new RelayWakeups(['kafka']);
    const lingering = wakeups.linger('kafka', 60_000);
    expect(await settled(lingering)).toBe(false);

    wakeups.close();

    expect(await settled(lingering)).toBe(true);
  });
});
