import type { Machine } from '../saga/machine';
import { writeRunFiles } from '../saga/report';
import type { BrokerName, Configuration } from './configurations';
import type { BrokerBenchSettings } from './settings';
import type { DeliverySummary, LatencySummary } from './tally';

export type PhaseKind = 'saturation' | 'fixed-rate';

/** What a phase counted, before any division: the producer's and consumer's figures and the CPU ticks of the window. */
export interface PhaseCounts {
  readonly kind: PhaseKind;
  readonly seconds: number;
  readonly offeredPerSec: number | null;
  readonly published: number;
  readonly failedSends: number;
  readonly firstSendError: string | null;
  readonly sendLagMs: LatencySummary | null;
  readonly delivery: DeliverySummary;
  readonly drainTimedOut: boolean;
  /** From the start of sending until the consumer had every message: the window the CPU was read over. */
  readonly windowSeconds: number;
  readonly cpuTicks: { readonly broker: number; readonly producer: number; readonly consumer: number; readonly machine: number };
  readonly ticksPerSecond: number;
}

export interface PhaseResult {
  readonly kind: PhaseKind;
  readonly seconds: number;
  /** Messages per second offered on the timetable; null at saturation. */
  readonly offeredPerSec: number | null;
  readonly published: number;
  readonly publishedPerSec: number;
  readonly failedSends: number;
  readonly firstSendError: string | null;
  /** Different messages consumed within the measured seconds, per second. */
  readonly consumedPerSec: number;
  readonly consumed: number;
  readonly duplicates: number;
  /** Published but never consumed, even after the drain. */
  readonly lost: number;
  /** The consumer stopped waiting for the rest after the drain time: `lost` may then count late ones too. */
  readonly drainTimedOut: boolean;
  readonly latencyMs: LatencySummary;
  /** From the actual send to the delivery: latencyMs without the producer's own lateness. */
  readonly transitMs: LatencySummary;
  /** At a fixed rate: how long after its due time each message went out, a share of latencyMs the broker has no part in. */
  readonly sendLagMs: LatencySummary | null;
  readonly windowSeconds: number;
  readonly cpuSeconds: { readonly broker: number; readonly producer: number; readonly consumer: number; readonly machine: number };
  /** CPU seconds per 1,000 messages consumed; clients = producer + consumer; others = the rest of the machine. */
  readonly cpuSecondsPer1000: { readonly broker: number; readonly clients: number; readonly producer: number; readonly consumer: number; readonly others: number };
}

export function shapePhase(counts: PhaseCounts): PhaseResult {
  const seconds = (ticks: number) => ticks / counts.ticksPerSecond;
  const cpuSeconds = {
    broker: seconds(counts.cpuTicks.broker),
    producer: seconds(counts.cpuTicks.producer),
    consumer: seconds(counts.cpuTicks.consumer),
    machine: seconds(counts.cpuTicks.machine),
  };
  const thousands = counts.delivery.distinct / 1000;
  const per1000 = (cpu: number) => (thousands > 0 ? cpu / thousands : Number.NaN);
  return {
    kind: counts.kind,
    seconds: counts.seconds,
    offeredPerSec: counts.offeredPerSec,
    published: counts.published,
    publishedPerSec: counts.published / counts.seconds,
    failedSends: counts.failedSends,
    firstSendError: counts.firstSendError,
    consumedPerSec: counts.delivery.distinctInWindow / counts.seconds,
    consumed: counts.delivery.distinct,
    duplicates: counts.delivery.duplicates,
    lost: Math.max(0, counts.published - counts.delivery.distinct),
    drainTimedOut: counts.drainTimedOut,
    latencyMs: counts.delivery.latency,
    transitMs: counts.delivery.transit,
    sendLagMs: counts.sendLagMs,
    windowSeconds: counts.windowSeconds,
    cpuSeconds,
    cpuSecondsPer1000: {
      broker: per1000(cpuSeconds.broker),
      clients: per1000(cpuSeconds.producer + cpuSeconds.consumer),
      producer: per1000(cpuSeconds.producer),
      consumer: per1000(cpuSeconds.consumer),
      others: per1000(cpuSeconds.machine - cpuSeconds.broker - cpuSeconds.producer - cpuSeconds.consumer),
    },
  };
}

/** yes / no for what was tried; "not allowed" when the server refused; "not tried" when the run was told not to. */
export interface CheckResult {
  readonly outcome: 'yes' | 'no' | 'not allowed' | 'not tried';
  readonly detail: string;
}

/** A message read and never acked, its reader gone, claimed by another consumer once idle long enough. */
export interface RecoveryResult extends CheckResult {
  readonly minIdleMs: number;
  /** From the first read to the second consumer's ack. */
  readonly msToRecover: number | null;
  readonly deliveryCount: number | null;
}

export interface ConfigurationResult {
  readonly configuration: Configuration;
  /** Null when the broker would not take the configuration (e.g. CONFIG SET refused); `refused` says why. */
  readonly saturation: PhaseResult | null;
  readonly fixedRate: PhaseResult | null;
  readonly refused: string | null;
  readonly survivesRestart: CheckResult;
  readonly replay: CheckResult;
  readonly recovery: RecoveryResult | null;
}

export interface BrokerBenchReport {
  readonly measuredAt: string;
  readonly machine: Machine;
  readonly versions: Record<BrokerName | 'amqplib' | 'kafkajs' | 'ioredis', string>;
  readonly settings: Omit<BrokerBenchSettings, 'configurations'> & { readonly messageBytes: number; readonly notes: readonly string[] };
  readonly results: readonly ConfigurationResult[];
}

/** brokers-<stamp>.json and brokers-latest.json; four decimals, as CPU seconds per 1,000 messages are small. */
export const writeResults = (report: BrokerBenchReport): string[] => writeRunFiles('brokers', report, 4);

const number = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Milliseconds with the precision they have: 0.42, 3.1, 27. */
export const milliseconds = (value: number | null | undefined) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : number(value, value < 1 ? 2 : value < 10 ? 1 : 0);

const latency = (phase: PhaseResult | null) =>
  phase ? [phase.latencyMs.p50Ms, phase.latencyMs.p99Ms, phase.latencyMs.maxMs].map(milliseconds).join(' / ') : '–';

const cpu = (phase: PhaseResult | null) => `${number(phase?.cpuSecondsPer1000.broker, 3)} / ${number(phase?.cpuSecondsPer1000.clients, 3)}`;

const check = ({ outcome }: CheckResult) => outcome;

export const TABLE_HEADER = [
  'configuration',
  'published/s',
  'consumed/s',
  'latency p50 / p99 / max ms at saturation',
  'offered/s',
  'latency p50 / p99 / max ms at the fixed rate',
  'of which in transit, p50 / p99 ms',
  'CPU s per 1,000 msgs at saturation: broker / clients',
  'CPU s per 1,000 msgs at the fixed rate: broker / clients',
  'survives a restart',
  'replay',
] as const;

export function tableRows(results: readonly ConfigurationResult[]): string[][] {
  return results.map(({ configuration, saturation, fixedRate, refused, survivesRestart, replay }) =>
    refused
      ? [configuration.name, `not allowed: ${refused}`, '–', '–', '–', '–', '–', '–', '–', check(survivesRestart), check(replay)]
      : [
          configuration.name,
          number(saturation?.publishedPerSec),
          number(saturation?.consumedPerSec),
          latency(saturation),
          number(fixedRate?.offeredPerSec),
          latency(fixedRate),
          fixedRate ? `${milliseconds(fixedRate.transitMs.p50Ms)} / ${milliseconds(fixedRate.transitMs.p99Ms)}` : '–',
          cpu(saturation),
          cpu(fixedRate),
          check(survivesRestart),
          check(replay),
        ],
  );
}

/** The run as a Markdown table and the notes a reader needs for it, ready to paste into the README. */
export function markdown(report: BrokerBenchReport): string {
  const { machine, settings, versions } = report;
  const when = `${report.measuredAt.slice(0, 10)} ${report.measuredAt.slice(11, 16)} UTC`;
  const rows = tableRows(report.results);
  const lines = [
    `**Broker benchmark** (\`npm run bench:brokers\`), ${when}; ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
      `RabbitMQ ${versions.rabbitmq}, Kafka ${versions.kafka}, Redis ${versions.redis}; amqplib ${versions.amqplib}, kafkajs ${versions.kafkajs}, ioredis ${versions.ioredis}.`,
    `${settings.messageBytes}-byte messages, ${settings.seconds} s at saturation and ${settings.seconds} s at the fixed rate per configuration, producer and consumer in their own processes.`,
    '',
    `| ${TABLE_HEADER.join(' | ')} |`,
    `| ${TABLE_HEADER.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  const details = report.results.flatMap(({ configuration, survivesRestart, replay, recovery }) => [
    `- ${configuration.name}: restart: ${survivesRestart.outcome} (${survivesRestart.detail}); replay: ${replay.outcome} (${replay.detail})` +
      (recovery ? `; unacked message recovered: ${recovery.outcome} (${recovery.detail})` : ''),
  ]);
  return [...lines, '', ...details, ...settings.notes.map((note) => `- ${note}`)].join('\n');
}
