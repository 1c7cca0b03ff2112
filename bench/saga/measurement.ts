import type { OrderDatabase, TransactionCounters } from './database';
import { groupPlatformProcesses, PROCESS_GROUPS, type PlatformService, type ProcessGroup } from './platform';
import { clockTicksPerSecond, cpuTicksBetween, type ProcessCpu, readMachineBusyTicks, readProcessTable } from './process-cpu';

/** Every counter the benchmark reads, at one moment. Two readings make a window. */
export interface Reading {
  readonly at: number;
  readonly processes: Map<ProcessGroup, ProcessCpu[]>;
  readonly machineBusyTicks: number;
  readonly harnessCpuMicros: number;
  readonly transactions: Map<string, number>;
  readonly ownOrderTransactions: number;
}

/** CPU seconds per process group, their sum, the whole machine (every process, this one too) and this benchmark alone. */
export type CpuSeconds = Record<ProcessGroup | 'platform' | 'machine' | 'harness', number>;

export interface Window {
  readonly seconds: number;
  readonly cpuSeconds: CpuSeconds;
  /** Per service database, without the benchmark's own reads. */
  readonly transactions: Record<string, number>;
}

export class Meter {
  constructor(
    private readonly services: readonly PlatformService[],
    private readonly counters: TransactionCounters,
    private readonly orders: OrderDatabase,
  ) {}

  async read(): Promise<Reading> {
    const ownOrderTransactions = this.orders.transactionsRun;
    const transactions = await this.counters.read(this.services.map((service) => service.databaseName));
    const usage = process.cpuUsage();
    return {
      at: Date.now(),
      processes: groupPlatformProcesses(readProcessTable()),
      machineBusyTicks: readMachineBusyTicks(),
      harnessCpuMicros: usage.user + usage.system,
      transactions,
      ownOrderTransactions,
    };
  }

  between(before: Reading, after: Reading): Window {
    const seconds = (ticks: number) => ticks / clockTicksPerSecond();
    const groups = Object.fromEntries(
      PROCESS_GROUPS.map((group) => [group, seconds(cpuTicksBetween(before.processes.get(group) ?? [], after.processes.get(group) ?? []))]),
    ) as Record<ProcessGroup, number>;
    const transactions = Object.fromEntries(
      this.services.map(({ name, databaseName }) => {
        const own = name === 'order' ? after.ownOrderTransactions - before.ownOrderTransactions : 0;
        return [databaseName, (after.transactions.get(databaseName) ?? 0) - (before.transactions.get(databaseName) ?? 0) - own];
      }),
    );
    return {
      seconds: (after.at - before.at) / 1000,
      cpuSeconds: {
        ...groups,
        platform: Object.values(groups).reduce((sum, value) => sum + value, 0),
        machine: seconds(after.machineBusyTicks - before.machineBusyTicks),
        harness: (after.harnessCpuMicros - before.harnessCpuMicros) / 1e6,
      },
      transactions,
    };
  }
}
