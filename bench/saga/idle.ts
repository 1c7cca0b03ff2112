import type { CpuSeconds, Meter } from './measurement';

/** The platform at rest: what it costs when nobody orders anything, the floor under every step. */
export interface IdleResult {
  readonly seconds: number;
  /** CPU use of each group, the platform, the whole machine and the benchmark, in % of one core. */
  readonly percentOfOneCore: CpuSeconds;
  /** Background transactions per second in each service database (outbox relays, polls). */
  readonly transactionsPerSec: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits `settleSeconds` first: stocking sent an event per product and account, and rest is what follows them. */
export async function measureIdle(meter: Meter, seconds: number, settleSeconds: number, log: (line: string) => void): Promise<IdleResult> {
  log(`letting the stocking's messages settle for ${settleSeconds} s`);
  await sleep(settleSeconds * 1000);
  log(`at rest: measuring for ${seconds} s`);
  const before = await meter.read();
  await sleep(seconds * 1000);
  const window = meter.between(before, await meter.read());
  const share = (value: number) => (value / window.seconds) * 100;
  return {
    seconds: window.seconds,
    percentOfOneCore: Object.fromEntries(Object.entries(window.cpuSeconds).map(([group, cpu]) => [group, share(cpu)])) as CpuSeconds,
    transactionsPerSec: Object.fromEntries(Object.entries(window.transactions).map(([database, count]) => [database, count / window.seconds])),
  };
}
