import { CONFIGURATIONS, type Configuration } from './configurations';

/**
 * What one run of the broker benchmark does, from BENCH_BROKER_* variables. A value that does not
 * make sense stops the run before anything is measured, naming the variable.
 */
export interface BrokerBenchSettings {
  /** How long each configuration is measured at saturation, and again at the fixed rate. */
  readonly seconds: number;
  /** The fixed offered rate, messages per second (open loop). */
  readonly ratePerSec: number;
  /** How long a phase waits, after its producer stopped, for the consumer to take every message. */
  readonly drainSeconds: number;
  /** Unmeasured load on each broker before its first measurement: a broker just started (Kafka's JIT) is slower for a while. */
  readonly warmUpSeconds: number;
  /** Whether the survival check restarts the brokers (RabbitMQ, Kafka, Redis) for real. */
  readonly restarts: boolean;
  readonly configurations: readonly Configuration[];
}

const DEFAULTS = { seconds: 10, ratePerSec: 1_000, drainSeconds: 30, warmUpSeconds: 5 } as const;

export class SettingsError extends Error {}

export function readSettings(env: NodeJS.ProcessEnv): BrokerBenchSettings {
  const given = (variable: string): string | undefined => {
    const text = env[variable];
    return text === undefined || text.trim() === '' ? undefined : text.trim();
  };
  const number = (variable: string, fallback: number, { whole, zero = false }: { whole: boolean; zero?: boolean }): number => {
    const text = given(variable);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero) || (whole && !Number.isInteger(value))) {
      throw new SettingsError(`${variable} must be a ${whole ? 'whole number' : 'number'} ${zero ? '>= 0' : '> 0'}, was "${text}"`);
    }
    return value;
  };

  const restartsText = given('BENCH_BROKER_RESTARTS') ?? 'yes';
  if (restartsText !== 'yes' && restartsText !== 'no') {
    throw new SettingsError(`BENCH_BROKER_RESTARTS must be "yes" or "no", was "${restartsText}"`);
  }

  const namesText = given('BENCH_BROKER_CONFIGS');
  const names = namesText === undefined ? CONFIGURATIONS.map(({ name }) => name) : namesText.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !CONFIGURATIONS.some((configuration) => configuration.name === name));
  if (unknown.length > 0) {
    throw new SettingsError(`BENCH_BROKER_CONFIGS names no configuration ${unknown.map((name) => `"${name}"`).join(', ')}; known: ${CONFIGURATIONS.map(({ name }) => name).join(', ')}`);
  }

  return {
    seconds: number('BENCH_BROKER_SECONDS', DEFAULTS.seconds, { whole: true }),
    ratePerSec: number('BENCH_BROKER_RATE', DEFAULTS.ratePerSec, { whole: false }),
    drainSeconds: number('BENCH_BROKER_DRAIN_SECONDS', DEFAULTS.drainSeconds, { whole: true }),
    warmUpSeconds: number('BENCH_BROKER_WARMUP_SECONDS', DEFAULTS.warmUpSeconds, { whole: true, zero: true }),
    restarts: restartsText === 'yes',
    // Always in the benchmark's own order, whatever order they were named in.
    configurations: CONFIGURATIONS.filter(({ name }) => names.includes(name)),
  };
}
