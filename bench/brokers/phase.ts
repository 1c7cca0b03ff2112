import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { groupPlatformProcesses } from '../saga/platform';
import { clockTicksPerSecond, cpuTicksBetween, parseProcStat, type ProcessCpu, readMachineBusyTicks, readProcessTable } from '../saga/process-cpu';
import type { Configuration } from './configurations';
import { wallClockMs } from './payload';
import type { FromWorker, Role, ToWorker } from './protocol';
import type { PhaseCounts, PhaseKind } from './report';

const WORKER = path.join(__dirname, 'worker.js');
/** Time for both processes to get the start command before the first message is due. */
const START_DELAY_MS = 200;

export interface PhasePlan {
  readonly kind: PhaseKind;
  readonly seconds: number;
  /** Messages per second on a fixed timetable; null: as fast as the configuration allows. */
  readonly ratePerSec: number | null;
  readonly drainSeconds: number;
}

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** A producer or consumer process, and what it has said so far. */
class Worker {
  private readonly replies: FromWorker[] = [];
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly exit: Promise<void>;

  private constructor(
    readonly role: Role,
    private readonly process: ChildProcess,
  ) {
    process.on('message', (reply: FromWorker) => {
      if (reply.type === 'failed') this.failure ??= new Error(`the ${role} failed: ${reply.error}`);
      else this.replies.push(reply);
      this.wake?.();
    });
    this.exit = new Promise((resolve) =>
      process.once('exit', (code, signal) => {
        if (code !== 0) this.failure ??= new Error(`the ${role} exited with ${signal ?? `code ${code}`}`);
        this.wake?.();
        resolve();
      }),
    );
  }

  static start(role: Role, configuration: Configuration, destination: string): Worker {
    const child = fork(WORKER, [role, configuration.name, destination], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Worker(role, child);
  }

  get pid(): number {
    if (this.process.pid === undefined) throw new Error(`the ${this.role} process did not start`);
    return this.process.pid;
  }

  tell(command: ToWorker): void {
    this.process.send(command);
  }

  async next<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Reply<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.failure) throw this.failure;
      const reply = this.replies.shift();
      if (reply) {
        if (reply.type !== type) throw new Error(`expected "${type}" from the ${this.role}, got "${reply.type}"`);
        return reply as Reply<T>;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${type}" from the ${this.role} within ${timeoutMs / 1000} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Asks it to stop; kills it if it has not ended within 15 s. */
  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.connected) this.tell({ type: 'stop' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await this.exit;
    clearTimeout(timer);
  }
}

interface CpuSample {
  readonly broker: ProcessCpu[];
  readonly producer: ProcessCpu;
  readonly consumer: ProcessCpu;
  readonly machineBusyTicks: number;
  readonly atMs: number;
}

const processCpu = (pid: number) => parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));

function sampleCpu(configuration: Configuration, producer: Worker, consumer: Worker): CpuSample {
  return {
    broker: groupPlatformProcesses(readProcessTable()).get(configuration.broker) ?? [],
    producer: processCpu(producer.pid),
    consumer: processCpu(consumer.pid),
    machineBusyTicks: readMachineBusyTicks(),
    atMs: wallClockMs(),
  };
}

/**
 * One measured phase: a consumer and a producer process on a fresh destination, started and
 * connected before the clock starts; sending for `seconds`; then waiting until the consumer has
 * every message the broker acknowledged (or `drainSeconds` have passed). CPU is read from /proc
 * over exactly that window, for the broker's processes, the two clients and the whole machine.
 */
export async function runPhase(configuration: Configuration, destination: string, plan: PhasePlan): Promise<PhaseCounts> {
  const consumer = Worker.start('consumer', configuration, destination);
  const producer = Worker.start('producer', configuration, destination);
  try {
    await consumer.next('ready', 60_000);
    await producer.next('ready', 60_000);
    const before = sampleCpu(configuration, producer, consumer);
    if (before.broker.length === 0) throw new Error(`no ${configuration.broker} process found in /proc to measure`);
    const start: ToWorker = { type: 'start', startAtMs: wallClockMs() + START_DELAY_MS, seconds: plan.seconds, ratePerSec: plan.ratePerSec };
    consumer.tell(start);
    producer.tell(start);
    const sent = await producer.next('sent', (plan.seconds + 120) * 1000);
    consumer.tell({ type: 'expect', total: sent.published, drainSeconds: plan.drainSeconds });
    const drained = await consumer.next('drained', (plan.drainSeconds + 30) * 1000);
    const after = sampleCpu(configuration, producer, consumer);
    consumer.tell({ type: 'report' });
    const { summary } = await consumer.next('report', 60_000);
    return {
      kind: plan.kind,
      seconds: plan.seconds,
      offeredPerSec: plan.ratePerSec,
      published: sent.published,
      failedSends: sent.failed,
      firstSendError: sent.firstError,
      sendLagMs: sent.sendLagMs,
      delivery: summary,
      drainTimedOut: drained.timedOut,
      // The CPU was read from before the start (the start is a few ms ahead), so the window runs from then too.
      windowSeconds: (after.atMs - before.atMs) / 1000,
      cpuTicks: {
        broker: cpuTicksBetween(before.broker, after.broker),
        producer: cpuTicksBetween([before.producer], [after.producer]),
        consumer: cpuTicksBetween([before.consumer], [after.consumer]),
        machine: after.machineBusyTicks - before.machineBusyTicks,
      },
      ticksPerSecond: clockTicksPerSecond(),
    };
  } finally {
    await Promise.all([producer.stop(), consumer.stop()]);
  }
}
