import { cpuTicksBetween, parseMachineBusyTicks, parseProcStat, type ProcessCpu } from '../../../bench/saga/process-cpu';

describe('reading /proc', () => {
  it('reads pid, parent, start time, own and reaped children ticks from a stat line', () => {
    const line =
      '2948 (beam.smp) S 1 2947 2947 0 -1 4194304 51586 0 1 0 1103 783 12 30 20 0 20 0 7132 2305159168 35714 18446744073709551615 0 0 0 0 0';
    expect(parseProcStat(line)).toEqual({ pid: 2948, parentPid: 1, startTime: 7132, ownTicks: 1103 + 783, reapedChildrenTicks: 12 + 30 });
  });

  it('when the process name holds spaces and parentheses, then the fields after it are still found', () => {
    const line = '77 (a (strange) name) R 5 77 77 0 -1 0 0 0 0 0 40 2 0 0 20 0 1 0 900 0 0';
    expect(parseProcStat(line)).toMatchObject({ pid: 77, parentPid: 5, startTime: 900, ownTicks: 42, reapedChildrenTicks: 0 });
  });

  it("counts the machine's busy time as everything but idle and iowait", () => {
    const procStat = 'cpu  41743 5 17948 65443 809 3 1797 11 0 0\ncpu0 20000 0 9000 30000 400 0 900 0 0 0\n';
    expect(parseMachineBusyTicks(procStat)).toBe(41743 + 5 + 17948 + 3 + 1797 + 11);
  });
});

describe('CPU time of a group of processes between two samples', () => {
  const process = (pid: number, ownTicks: number, more: Partial<ProcessCpu> = {}): ProcessCpu => ({
    pid,
    parentPid: 1,
    startTime: 1_000 + pid,
    ownTicks,
    reapedChildrenTicks: 0,
    ...more,
  });

  it('when the same processes run throughout, then it is the sum of what each one grew', () => {
    expect(cpuTicksBetween([process(10, 100), process(11, 50)], [process(10, 130), process(11, 55)])).toBe(35);
  });

  it('when a process started in between, then all its time counts', () => {
    expect(cpuTicksBetween([process(10, 100)], [process(10, 100), process(12, 40)])).toBe(40);
  });

  it('when a child ended and its parent of the group reaped it, then only its time after the first sample counts', () => {
    const postmaster = process(10, 100, { reapedChildrenTicks: 1_000 });
    const backend = process(20, 300, { parentPid: 10 });
    // The backend spent 25 more ticks and exited; the postmaster reaped all 325 and spent 2 itself.
    const postmasterLater = process(10, 102, { reapedChildrenTicks: 1_325 });
    expect(cpuTicksBetween([postmaster, backend], [postmasterLater])).toBe(25 + 2);
  });

  it('when a process ended that no one in the group reaps, then nothing of it counts (its last moments are lost)', () => {
    const service = process(30, 500, { parentPid: 4 });
    expect(cpuTicksBetween([service], [])).toBe(0);
  });

  it('when a process restarted under the same pid, then the new one counts from zero', () => {
    const before = process(30, 500, { parentPid: 4 });
    const restarted = process(30, 7, { parentPid: 4, startTime: 99_999 });
    expect(cpuTicksBetween([before], [restarted])).toBe(7);
  });

  it("counts a process's reaped children's time as its own", () => {
    expect(cpuTicksBetween([process(10, 100, { reapedChildrenTicks: 5 })], [process(10, 100, { reapedChildrenTicks: 9 })])).toBe(4);
  });
});
