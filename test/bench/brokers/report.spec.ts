import { CONFIGURATIONS } from '../../../bench/brokers/configurations';
import { type ConfigurationResult, milliseconds, type PhaseCounts, shapePhase, tableRows } from '../../../bench/brokers/report';

const counts = (overrides: Partial<PhaseCounts> = {}): PhaseCounts => ({
  kind: 'saturation',
  seconds: 10,
  offeredPerSec: null,
  published: 50_000,
  failedSends: 0,
  firstSendError: null,
  sendLagMs: null,
  delivery: {
    deliveries: 50_000,
    distinct: 50_000,
    duplicates: 0,
    distinctInWindow: 45_000,
    latency: { count: 50_000, p50Ms: 1.5, p99Ms: 12, maxMs: 40 },
    transit: { count: 50_000, p50Ms: 1.2, p99Ms: 9, maxMs: 39 },
  },
  drainTimedOut: false,
  windowSeconds: 11,
  cpuTicks: { broker: 600, producer: 400, consumer: 300, machine: 1_500 },
  ticksPerSecond: 100,
  ...overrides,
});

describe('shaping a phase', () => {
  it('divides by the measured seconds: published per second, and consumed per second within the window', () => {
    expect(shapePhase(counts())).toMatchObject({ publishedPerSec: 5_000, consumedPerSec: 4_500, consumed: 50_000, lost: 0 });
  });

  it('gives CPU seconds per 1,000 messages consumed: the broker, both clients, and the rest of the machine', () => {
    const { cpuSeconds, cpuSecondsPer1000 } = shapePhase(counts());
    expect(cpuSeconds).toEqual({ broker: 6, producer: 4, consumer: 3, machine: 15 });
    expect(cpuSecondsPer1000.broker).toBeCloseTo(0.12);
    expect(cpuSecondsPer1000.clients).toBeCloseTo(0.14);
    expect(cpuSecondsPer1000.others).toBeCloseTo(0.04);
  });

  it('when messages were published but never consumed, then they are lost, and duplicates are counted apart', () => {
    const latency = { count: 49_980, p50Ms: 1, p99Ms: 2, maxMs: 3 };
    const delivery = { deliveries: 49_990, distinct: 49_980, duplicates: 10, distinctInWindow: 49_980, latency, transit: latency };
    expect(shapePhase(counts({ delivery }))).toMatchObject({ lost: 20, duplicates: 10 });
  });

  it('when nothing was consumed, then there is no cost per message rather than an infinite one', () => {
    const nothing = { count: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN };
    const delivery = { deliveries: 0, distinct: 0, duplicates: 0, distinctInWindow: 0, latency: nothing, transit: nothing };
    expect(shapePhase(counts({ delivery })).cpuSecondsPer1000.broker).toBeNaN();
  });
});

describe('the table', () => {
  const notTried = { outcome: 'not tried', detail: 'BENCH_BROKER_RESTARTS=no' } as const;

  it('shows each figure with the precision it has', () => {
    expect([0.4213, 3.14, 27.6, Number.NaN].map(milliseconds)).toEqual(['0.42', '3.1', '28', '–']);
  });

  it('has a row per configuration, and says so when the broker would not take one', () => {
    const saturation = shapePhase(counts());
    const measured: ConfigurationResult = {
      configuration: CONFIGURATIONS[0],
      saturation,
      fixedRate: shapePhase(counts({ kind: 'fixed-rate', offeredPerSec: 1_000 })),
      refused: null,
      survivesRestart: { outcome: 'no', detail: 'the queue itself was gone' },
      replay: { outcome: 'no', detail: 'acked means deleted' },
      recovery: null,
    };
    const refused: ConfigurationResult = { ...measured, configuration: CONFIGURATIONS[7], saturation: null, fixedRate: null, refused: 'CONFIG SET is disabled', survivesRestart: notTried };

    expect(tableRows([measured, refused])).toEqual([
      ['rabbitmq-transient', '5,000', '4,500', '1.5 / 12 / 40', '1,000', '1.5 / 12 / 40', '1.2 / 9.0', '0.120 / 0.140', '0.120 / 0.140', 'no', 'no'],
      ['redis-aof', 'not allowed: CONFIG SET is disabled', '–', '–', '–', '–', '–', '–', '–', 'not tried', 'no'],
    ]);
  });
});
