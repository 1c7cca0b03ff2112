import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kernel: string;
}

/** The processor's model and how many cores the kernel schedules on, from /proc/cpuinfo's text. */
export function describeCpu(cpuinfo: string): { cpuModel: string; cores: number } {
  const lines = cpuinfo.split('\n');
  const model = lines.find((line) => line.startsWith('model name'))?.split(':')[1]?.trim();
  return { cpuModel: model ?? 'unknown', cores: lines.filter((line) => /^processor\s*:/.test(line)).length };
}

export function describeMachine(): Machine {
  return {
    ...describeCpu(readFileSync('/proc/cpuinfo', 'utf8')),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
  };
}
