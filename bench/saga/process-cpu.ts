import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time as Linux accounts it in /proc, in clock ticks. A process's own time is utime + stime;
 * when it reaps a child that has ended, the child's whole time (and that of the child's own reaped
 * children) is added to its cutime + cstime. That is how a process group's time stays whole while
 * its members come and go, as PostgreSQL backends do when a pool closes an idle connection.
 */
export interface ProcessCpu {
  readonly pid: number;
  readonly parentPid: number;
  /** When the process started (ticks after boot): tells a reused pid from the process it had before. */
  readonly startTime: number;
  readonly ownTicks: number;
  readonly reapedChildrenTicks: number;
}

export interface ProcessEntry {
  readonly argv: readonly string[];
  readonly cpu: ProcessCpu;
}

/** /proc/<pid>/stat: "pid (comm) state ppid ...". comm may hold spaces and parentheses, so fields are counted after the last ')'. */
export function parseProcStat(line: string): ProcessCpu {
  const afterName = line.slice(line.lastIndexOf(')') + 2).split(' ');
  const field = (number: number) => Number(afterName[number - 3]); // the numbering of proc(5): state is field 3
  return {
    pid: Number(line.slice(0, line.indexOf(' '))),
    parentPid: field(4),
    startTime: field(22),
    ownTicks: field(14) + field(15),
    reapedChildrenTicks: field(16) + field(17),
  };
}

/** Busy time of the whole machine from /proc/stat's "cpu" line: everything but idle and iowait (guest time is already in user). */
export function parseMachineBusyTicks(procStat: string): number {
  const line = procStat.split('\n').find((candidate) => candidate.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no "cpu" line');
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return user + nice + system + irq + softirq + (steal ?? 0);
}

const ticksOf = (process: ProcessCpu) => process.ownTicks + process.reapedChildrenTicks;
const identity = (process: ProcessCpu) => `${process.pid}@${process.startTime}`;

/**
 * CPU ticks a group of processes spent between two samples of it:
 *  - a process in both samples counts its growth;
 *  - a process that started in between counts all its time;
 *  - a process that ended in between, reaped by a parent of the group present in both samples,
 *    is already counted whole in that parent's reaped time: only what it had before is taken off.
 * What a process spent after the first sample is lost only if it ended and was reaped outside the group.
 */
export function cpuTicksBetween(before: readonly ProcessCpu[], after: readonly ProcessCpu[]): number {
  const earlier = new Map(before.map((process) => [identity(process), process]));
  const later = new Set(after.map(identity));
  let ticks = 0;
  for (const process of after) {
    const then = earlier.get(identity(process));
    ticks += ticksOf(process) - (then ? ticksOf(then) : 0);
  }
  for (const process of before) {
    if (later.has(identity(process))) continue;
    const parent = before.find((candidate) => candidate.pid === process.parentPid);
    if (parent && later.has(identity(parent))) ticks -= ticksOf(process);
  }
  return ticks;
}

/** Every process with a command line (kernel threads have none), as /proc shows them now. */
export function readProcessTable(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcess(Number(name));
    if (entry && entry.argv.length > 0) entries.push(entry);
  }
  return entries;
}

function readProcess(pid: number): ProcessEntry | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { argv, cpu: parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')) };
  } catch (error) {
    // The process ended between listing /proc and reading it: it is simply not in this sample.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw error;
  }
}

export function readMachineBusyTicks(): number {
  return parseMachineBusyTicks(readFileSync('/proc/stat', 'utf8'));
}

/** Seconds since the machine booted, the clock a process's start time counts on. */
export function readUptimeSeconds(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

/** How long before `uptimeSeconds` a process started, from its start time in ticks after boot. */
export function secondsSinceStart(process: ProcessCpu, uptimeSeconds: number): number {
  return uptimeSeconds - process.startTime / clockTicksPerSecond();
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of every figure above (100 on all common Linux builds, but asked, not assumed). */
export function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return ticksPerSecond;
}
