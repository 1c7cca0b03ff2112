/** One sample of the Prometheus text exposition format: `name{label="value",...} 1.5`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Reads the samples of a /metrics page; comments and lines it cannot read are skipped. */
export function readPrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[name] = value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `where`. */
export function sumOf(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).every(([label, value]) => sample.labels[label] === value)) sum += sample.value;
  }
  return sum;
}

/** A histogram's cumulative bucket counts (summed over its other labels), by upper bound, ascending. */
export function bucketsOf(samples: readonly Sample[], histogram: string): { le: number; count: number }[] {
  const byBound = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${histogram}_bucket`) continue;
    const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
  }
  return [...byBound].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile of what a histogram observed between two scrapes (the difference of their
 * cumulative buckets), interpolated inside its bucket as Prometheus's histogram_quantile does.
 * Null when nothing was observed.
 */
export function quantileBetween(
  earlier: readonly { le: number; count: number }[],
  later: readonly { le: number; count: number }[],
  q: number,
): number | null {
  const before = new Map(earlier.map((bucket) => [bucket.le, bucket.count]));
  const counts = later.map((bucket) => ({ le: bucket.le, count: Math.max(0, bucket.count - (before.get(bucket.le) ?? 0)) }));
  const total = counts.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of counts) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerBound; // above the highest bound: that bound is all we know
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / Math.max(count - lowerCount, 1e-9);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}
