import { RepeatingTask } from './repeating-task';

describe('a repeating task', () => {
  it('when stopped during a round, then stop() waits for that round, and no round starts after it', async () => {
    const rounds: string[] = [];
    let release!: () => void;
    const task = new RepeatingTask(5, async () => {
      rounds.push('began');
      await new Promise<void>((resolve) => (release = resolve));
      rounds.push('ended');
    });

    task.start();
    while (rounds.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const stopping = task.stop();
    setTimeout(() => release(), 20);
    await stopping;
    const afterStop = [...rounds];
    await new Promise((resolve) => setTimeout(resolve, 30));

    expect(afterStop).toEqual(['began', 'ended']);
    expect(rounds).toEqual(['began', 'ended']);
  });

  it('when started, then it repeats its round until stopped', async () => {
    let count = 0;
    const task = new RepeatingTask(5, async () => void (count += 1));

    task.start();
    while (count < 3) await new Promise((resolve) => setTimeout(resolve, 1));
    await task.stop();

    expect(count).toBeGreaterThanOrEqual(3);
  });
});
