import type { PhaseResult } from './report';

/**
 * The offered rate of a configuration's fixed-rate phase: the configured rate, unless that is more
 * than half of what the configuration carried at saturation. Latency below saturation is the
 * question; a rate the configuration cannot keep up with only measures its growing backlog. A
 * lowered rate is rounded down to two significant digits (406 -> 400), so it reads as chosen.
 */
export function fixedRateFor(configuredPerSec: number, saturation: Pick<PhaseResult, 'publishedPerSec' | 'consumedPerSec'>): number {
  const carried = Math.min(saturation.publishedPerSec, saturation.consumedPerSec);
  const ceiling = carried / 2;
  if (configuredPerSec <= ceiling) return configuredPerSec;
  if (!(ceiling >= 1)) return 1;
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(ceiling)) - 1);
  return Math.floor(ceiling / unit) * unit;
}
