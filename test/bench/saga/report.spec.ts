import { tracingComparison } from '../../../bench/saga/report';
import type { StepResult } from '../../../bench/saga/step';

const step = (offeredPerSec: number, sampleRatio: number, cpuMs: number, endedPerSec: number) =>
  ({ offeredPerSec, connections: 512, sampleRatio, cpuMsPerOrder: { platform: cpuMs }, orders: { endedPerSec } }) as unknown as StepResult;

describe('the tracing comparison of bench:saga', () => {
  it('sets each load beside itself, recording no trace and every trace, whichever ran first, even when a rate is offered twice', () => {
    const lines = tracingComparison([step(150, 0, 20, 100), step(150, 1, 23, 95), step(150, 1, 24, 90), step(150, 0, 20, 99)]);
    expect(lines.join('\n').split('\n').filter((line) => line.startsWith('| 150 |'))).toEqual(['| 150 | 20.0 | 23.0 | +15% | 100.0 | 95.0 |', '| 150 | 20.0 | 24.0 | +20% | 99.0 | 90.0 |']);
  });

  it('adds nothing to a run that did not compare', () => {
    expect(tracingComparison([{ ...step(25, 0, 80, 25), sampleRatio: undefined }])).toEqual([]);
  });
});
