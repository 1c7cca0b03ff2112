import type { CpuSeconds, Meter, Reading } from './measurement';
import type { ProcessGroup } from './platform';
import { readUptimeSeconds, secondsSinceStart } from './process-cpu';

const SERVICES: readonly ProcessGroup[] = ['order', 'inventory', 'payment', 'notification', 'points', 'console'];

/**
 * A service younger than this is still finishing its start, not resting: V8 compiles what the start
 * ran hot and collects the start's garbage, in threads of its own. Measured on a platform started
 * 50-80 s before, the five services used 4.6-6% of a core this way; from two minutes on, about 2%.
 */
const WARM_AFTER_SECONDS = 120;

/** The platform at rest: what it costs when nobody orders anything, the floor under every step. */
export interface IdleResult {
  readonly seconds: number;
  /** How long the youngest service had been running when the window began. */
  readonly youngestServiceAgeSeconds: number;
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
  const youngest = youngestServiceAge(await meter.read());
  if (youngest < WARM_AFTER_SECONDS) {
    log(`the youngest service started ${Math.round(youngest)} s ago: waiting until it is ${WARM_AFTER_SECONDS} s old`);
    await sleep((WARM_AFTER_SECONDS - youngest) * 1000);
  }
  log(`at rest: measuring for ${seconds} s`);
  const before = await meter.read();
  const youngestServiceAgeSeconds = Math.round(youngestServiceAge(before));
  await sleep(seconds * 1000);
  const window = meter.between(before, await meter.read());
  const share = (value: number) => (value / window.seconds) * 100;
  return {
    seconds: window.seconds,
    youngestServiceAgeSeconds,
    percentOfOneCore: Object.fromEntries(Object.entries(window.cpuSeconds).map(([group, cpu]) => [group, share(cpu)])) as CpuSeconds,
    transactionsPerSec: Object.fromEntries(Object.entries(window.transactions).map(([database, count]) => [database, count / window.seconds])),
  };
}

const youngestServiceAge = ({ processes }: Reading): number => {
  const uptimeSeconds = readUptimeSeconds();
  return Math.min(...SERVICES.flatMap((group) => (processes.get(group) ?? []).map((process) => secondsSinceStart(process, uptimeSeconds))));
};
