/**
 * Nearest-rank percentile: the smallest value that at least p % of the values do not exceed. It
 * always answers a value that was measured, never an interpolation between two.
 */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  if (p <= 0) return sortedAscending[0];
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, rank) - 1];
}

export function percentiles<P extends number>(values: readonly number[], ps: readonly P[]): Record<`p${P}`, number> {
  const sorted = [...values].sort((a, b) => a - b);
  return Object.fromEntries(ps.map((p) => [`p${p}`, percentile(sorted, p)])) as Record<`p${P}`, number>;
}
