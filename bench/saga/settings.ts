/**
 * What one run of the saga benchmark does, from BENCH_* variables and --flags (a flag wins over its
 * variable): BENCH_STEP_SECONDS=10 and --step-seconds=10 say the same thing.
 */
export interface Settings {
  /** The ladder: each rate is offered for stepSeconds, lowest first. */
  readonly ratesPerSec: readonly number[];
  readonly stepSeconds: number;
  /** The flash sale after the ladder: this many orders, sent as fast as burstConnections allow (0: none). */
  readonly burstOrders: number;
  readonly burstConnections: number;
  /** The measurement at rest before any load (0: none). */
  readonly idleSeconds: number;
  /** How long a step waits for its accepted orders to end before it measures anyway. */
  readonly drainTimeoutSeconds: number;
  /** How long after its last send a step keeps measuring; see DEFAULTS. */
  readonly settleSeconds: number;
  /** Sockets the open-loop steps may open to the order service. */
  readonly connections: number;
  readonly products: number;
  readonly customers: number;
  /**
   * When set, runs every step twice, recording no trace and this share of the traces (1: every
   * order; PUT /admin/tracing on each service), to measure what tracing costs within one run.
   */
  readonly compareTracing: number | null;
  /** Sent as X-API-Key on the admin PUTs when the services run with API_KEY. */
  readonly apiKey?: string;
}

const DEFAULTS = {
  rates: [25, 50, 100, 150, 200],
  stepSeconds: 20,
  burst: 5_000,
  burstConnections: 64,
  idleSeconds: 30,
  drainTimeoutSeconds: 600,
  // Work an order causes after it has ended belongs to its cost: notification handles each order's
  // reminder 15 s (ORDER_REMINDER_DELAY_MS) after it was placed, and PostgreSQL publishes an idle
  // backend's transaction counters up to 10 s late.
  settleSeconds: 25,
  // An open loop must never wait for a free socket, or the client would quietly pace the load.
  connections: 512,
  products: 200,
  customers: 500,
  compareTracing: null,
} as const;

/** Each setting, with the variable and the flag that set it. */
const OPTIONS = {
  rates: 'BENCH_RATES',
  stepSeconds: 'BENCH_STEP_SECONDS',
  burst: 'BENCH_BURST',
  burstConnections: 'BENCH_BURST_CONNECTIONS',
  idleSeconds: 'BENCH_IDLE_SECONDS',
  drainTimeoutSeconds: 'BENCH_DRAIN_TIMEOUT_SECONDS',
  settleSeconds: 'BENCH_SETTLE_SECONDS',
  connections: 'BENCH_CONNECTIONS',
  products: 'BENCH_PRODUCTS',
  customers: 'BENCH_CUSTOMERS',
  compareTracing: 'BENCH_COMPARE_TRACING',
} as const;
type Option = keyof typeof OPTIONS;

/** BENCH_BURST_CONNECTIONS is given as --burst-connections. */
const flagOf = (variable: string) => `--${variable.replace(/^BENCH_/, '').toLowerCase().replace(/_/g, '-')}`;

export class SettingsError extends Error {}

export function readSettings(env: NodeJS.ProcessEnv, argv: readonly string[]): Settings {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const [flag, value] = arg.split(/=(.*)/s, 2);
    if (!Object.values(OPTIONS).some((variable) => flagOf(variable) === flag) || value === undefined) {
      throw new SettingsError(`unknown argument ${arg}; known: ${Object.values(OPTIONS).map((v) => `${flagOf(v)}=...`).join(' ')}`);
    }
    flags.set(flag, value);
  }
  const raw = (option: Option): string | undefined => flags.get(flagOf(OPTIONS[option])) ?? env[OPTIONS[option]];

  const whole = (option: Option, fallback: number, min: number): number => {
    const text = raw(option);
    if (text === undefined || text.trim() === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      throw new SettingsError(`${OPTIONS[option]} (${flagOf(OPTIONS[option])}) must be a whole number >= ${min}, was "${text}"`);
    }
    return value;
  };

  const ratesText = raw('rates');
  const ratesPerSec = ratesText === undefined || ratesText.trim() === '' ? [...DEFAULTS.rates] : ratesText.split(',').map(Number);
  if (ratesPerSec.some((rate) => !Number.isFinite(rate) || rate <= 0)) {
    throw new SettingsError(`BENCH_RATES (--rates) must be a comma-separated list of orders per second > 0, was "${ratesText}"`);
  }

  const compareText = raw('compareTracing')?.trim().toLowerCase() ?? '';
  const compareRatio = compareText === '' || compareText === 'false' ? null : compareText === 'true' ? 1 : Number(compareText);
  if (compareRatio !== null && !(compareRatio > 0 && compareRatio <= 1)) {
    throw new SettingsError(`BENCH_COMPARE_TRACING (--compare-tracing) must be true, false or the share of traces to record (0 to 1], was "${raw('compareTracing')}"`);
  }

  return {
    ratesPerSec,
    stepSeconds: whole('stepSeconds', DEFAULTS.stepSeconds, 1),
    burstOrders: whole('burst', DEFAULTS.burst, 0),
    burstConnections: whole('burstConnections', DEFAULTS.burstConnections, 1),
    idleSeconds: whole('idleSeconds', DEFAULTS.idleSeconds, 0),
    drainTimeoutSeconds: whole('drainTimeoutSeconds', DEFAULTS.drainTimeoutSeconds, 1),
    settleSeconds: whole('settleSeconds', DEFAULTS.settleSeconds, 0),
    connections: whole('connections', DEFAULTS.connections, 1),
    products: whole('products', DEFAULTS.products, 1),
    customers: whole('customers', DEFAULTS.customers, 1),
    compareTracing: compareRatio ?? DEFAULTS.compareTracing,
    ...(env.API_KEY && { apiKey: env.API_KEY }),
  };
}
