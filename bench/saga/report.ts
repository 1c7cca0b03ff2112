import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../tools/stack/stack.config';
import type { DatabaseServer } from './database';
import { HOPS } from './hops';
import type { IdleResult } from './idle';
import type { Machine } from './machine';
import type { CpuSeconds } from './measurement';
import type { PlatformService } from './platform';
import type { Settings } from './settings';
import type { StepResult } from './step';

export interface SagaBenchReport {
  readonly measuredAt: string;
  readonly machine: Machine;
  readonly databases: DatabaseServer;
  readonly settings: Omit<Settings, 'apiKey'>;
  readonly idle: IdleResult | null;
  readonly steps: readonly StepResult[];
}

export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** "2026-12-02T1430": the run's start in UTC, a file name that sorts in time order. */
export const runStamp = (measuredAt: string) => measuredAt.slice(0, 16).replace(':', '');

/**
 * Writes a benchmark's run as <name>-<stamp>.json, kept beside the earlier runs, and as
 * <name>-latest.json, with every number rounded to `decimals`.
 */
export function writeRunFiles(name: string, report: { readonly measuredAt: string }, decimals: number): string[] {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const scale = 10 ** decimals;
  const json = `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' ? Math.round(value * scale) / scale : value), 2)}\n`;
  const files = [path.join(RESULTS_DIR, `${name}-${runStamp(report.measuredAt)}.json`), path.join(RESULTS_DIR, `${name}-latest.json`)];
  for (const file of files) writeFileSync(file, json);
  return files;
}

/** saga-<stamp>.json and saga-latest.json; two decimals, as the measurements are not finer than that. */
export const writeResults = (report: SagaBenchReport): string[] => writeRunFiles('saga', report, 2);

const GROUP_COLUMNS: readonly [keyof CpuSeconds, string][] = [
  ['order', 'order'],
  ['inventory', 'inventory'],
  ['payment', 'payment'],
  ['notification', 'notification'],
  ['points', 'points'],
  ['console', 'console'],
  ['balancers', 'load balancers'],
  ['postgresql', 'PostgreSQL'],
  ['rabbitmq', 'RabbitMQ'],
  ['kafka', 'Kafka'],
  ['redis', 'Redis'],
  ['platform', 'all of these'],
  ['machine', 'whole machine'],
  ['harness', 'this benchmark'],
];

const number = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const counts = (byKey: Record<string, number>, separator: string) =>
  Object.entries(byKey)
    .map(([key, count]) => `${key}${separator}${count}`)
    .join(', ') || '–';

const byConnection = ({ requests }: StepResult) =>
  [requests.postLatencyByConnectionMs.new, requests.postLatencyByConnectionMs.keptAlive]
    .map(({ requests: count, p99 }) => `${number(p99)} (${number(count)})`)
    .join(' / ');

const table = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

const loadLabel = (step: StepResult) =>
  step.offeredPerSec === null ? `burst (${step.connections} conn.)` : number(step.offeredPerSec, Number.isInteger(step.offeredPerSec) ? 0 : 1);

const sharedLabel = (ratio: number) => (ratio === 0 ? 'no trace' : ratio === 1 ? 'every trace' : `${number(ratio * 100)}% of traces`);

const tracingLabel = (step: StepResult) => (step.sampleRatio === undefined ? '' : `, ${sharedLabel(step.sampleRatio)} recorded`);

const stepLabel = (step: StepResult) => `${loadLabel(step)}${tracingLabel(step)}`;

const percentMore = (than: number | null, value: number | null) =>
  than === null || value === null || than === 0 ? '–' : `${value >= than ? '+' : ''}${number((100 * (value - than)) / than)}%`;

/** With --compare-tracing: each load's two steps side by side. */
export function tracingComparison(steps: readonly StepResult[]): string[] {
  // Each load runs twice in a row, so a pair is two neighbouring steps (a ladder may offer one rate more than once).
  const compared = steps.filter((step) => step.sampleRatio !== undefined);
  const pairs: { load: string; none?: StepResult; every?: StepResult }[] = [];
  for (let index = 0; index + 1 < compared.length; index += 2) {
    const pair = [compared[index], compared[index + 1]];
    pairs.push({ load: loadLabel(pair[0]), none: pair.find((step) => step.sampleRatio === 0), every: pair.find((step) => step.sampleRatio !== 0) });
  }
  if (pairs.length === 0) return [];
  const platform = (step?: StepResult) => step?.cpuMsPerOrder.platform ?? null;
  const recorded = sharedLabel(pairs[0].every?.sampleRatio ?? 1);
  return [
    '',
    `What recording traces costs: each load run twice in this run, recording no trace and ${recorded}, in alternating order:`,
    '',
    table(
      ['offered orders/s', 'CPU ms per order, no trace', recorded, 'more', 'ended/s, no trace', recorded],
      pairs.map(({ load, none, every }) => [
        load,
        number(platform(none), 1),
        number(platform(every), 1),
        percentMore(platform(none), platform(every)),
        number(none?.orders.endedPerSec, 1),
        number(every?.orders.endedPerSec, 1),
      ]),
    ),
  ];
}

const cancelled = ({ orders }: StepResult) => {
  const total = number(orders.ended - orders.completed);
  return Object.keys(orders.cancelledByReason).length > 0 ? `${total} (${counts(orders.cancelledByReason, ' ')})` : total;
};

/** The run as Markdown, ready to paste into the README. */
export function markdown(report: SagaBenchReport, services: readonly PlatformService[]): string {
  const { machine, databases, settings, idle, steps } = report;
  const when = `${report.measuredAt.slice(0, 10)} ${report.measuredAt.slice(11, 16)} UTC`;
  const lines = [
    `**Saga benchmark** (\`npm run bench:saga\`), ${when}; ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}.`,
    `Open loop, ${settings.stepSeconds} s per rate, then a burst of ${settings.burstOrders} orders over ${settings.burstConnections} connections; ` +
      `${settings.products} products, ${settings.customers} customers, 1-3 lines per order. ` +
      `Each step is measured until its orders have ended, and for at least ${settings.settleSeconds} s after its last send.`,
    `Databases at the start, MiB: ${services.map((service) => `${service.name} ${number(databases.sizesMiB[service.databaseName] ?? 0)}`).join(', ')} ` +
      `(PostgreSQL's shared_buffers ${number(databases.sharedBuffersMiB)} MiB, autovacuum ${databases.autovacuum}).`,
    '',
    table(
      ['offered orders/s', 'accepted (202)', 'other answers', 'no answer', 'ended/s', 'completed', 'cancelled', 'pending', 'POST p50 / p99 ms', 'POST p99 ms over a new / a kept-alive connection (requests)', 'end-to-end p50 / p90 / p99 / max ms'],
      steps.map((step) => [
        stepLabel(step),
        number(step.requests.accepted),
        counts(step.requests.refusedByStatus, '×'),
        counts(step.requests.networkErrors, '×'),
        number(step.orders.endedPerSec, 1),
        number(step.orders.completed),
        cancelled(step),
        number(step.orders.pending),
        `${number(step.requests.postLatencyMs.p50)} / ${number(step.requests.postLatencyMs.p99)}`,
        byConnection(step),
        [step.orders.endToEndMs.p50, step.orders.endToEndMs.p90, step.orders.endToEndMs.p99, step.orders.endToEndMs.max].map((value) => number(value)).join(' / '),
      ]),
    ),
    '',
    'An order has ended when it is COMPLETED or CANCELLED; ended/s counts from the first send of a step to the last end. ' +
      "POST latency runs from when the request was due (open loop), end-to-end from the order row's created_at to the " +
      'updated_at of its terminal status.',
    '',
    'CPU milliseconds per ended order, from /proc (the whole machine counts every process, this benchmark too):',
    '',
    table(
      ['offered orders/s', ...GROUP_COLUMNS.map(([, title]) => title)],
      steps.map((step) => [stepLabel(step), ...GROUP_COLUMNS.map(([group]) => number(step.cpuMsPerOrder[group], 1))]),
    ),
    '',
    'Database transactions per ended order (pg_stat_database: commits + rollbacks):',
    '',
    table(
      ['offered orders/s', ...services.map((service) => service.name), 'all'],
      steps.map((step) => [stepLabel(step), ...[...services.map((service) => service.databaseName), 'all'].map((key) => number(step.transactionsPerOrder[key], 1))]),
    ),
  ];
  const withHops = steps.filter((step) => step.hopsMs);
  if (withHops.length > 0) {
    lines.push(
      '',
      "Where a completed order's time goes, p50 / p90 ms per hop (bench/saga/hops.ts): a claim is the relay taking the row a " +
        'transaction wrote; the hop after it is the publish, the broker and the consumer until its transaction starts:',
      '',
      table(
        ['offered orders/s', ...HOPS],
        withHops.map((step) => [stepLabel(step), ...HOPS.map((hop) => `${number(step.hopsMs![hop].p50)} / ${number(step.hopsMs![hop].p90)}`)]),
      ),
    );
  }
  lines.push(...tracingComparison(steps));
  if (idle) {
    lines.push(
      '',
      `At rest (${number(idle.seconds)} s, no orders, the youngest service ${number(idle.youngestServiceAgeSeconds)} s old), CPU in % of one core:`,
      '',
      table(
        GROUP_COLUMNS.map(([, title]) => title),
        [GROUP_COLUMNS.map(([group]) => number(idle.percentOfOneCore[group], 1))],
      ),
    );
  }
  return lines.join('\n');
}
