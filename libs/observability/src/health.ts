/** One dependency that /health/ready reports on. */
export interface ReadinessCheck {
  readonly name: string;
  /** When false, a failure is reported but the service still counts as ready (e.g. a cache). */
  readonly critical: boolean;
  check(): Promise<void>;
}

export interface ReadinessReport {
  status: 'ready' | 'not-ready';
  checks: Record<string, { status: 'up' | 'down'; critical: boolean; error?: string }>;
}

export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2_000): Promise<ReadinessReport> {
  const report: ReadinessReport = { status: 'ready', checks: {} };
  await Promise.all(
    checks.map(async (readiness) => {
      try {
        await withTimeout(readiness.check(), timeoutMs);
        report.checks[readiness.name] = { status: 'up', critical: readiness.critical };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report.checks[readiness.name] = { status: 'down', critical: readiness.critical, error: message };
        if (readiness.critical) report.status = 'not-ready';
      }
    }),
  );
  return report;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
