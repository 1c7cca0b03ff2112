import { consoleConfigSchema, type ConsoleConfig } from '../console.config';
import type { ServicesClient } from '../operations/services-client';
import { SERVICE_NAMES } from './overview';
import { ServiceWatch } from './service-watch';

const WATCHED_MS = 2_000;
const IDLE_MS = 15_000;

/** Answers every read at once, and counts the rounds: one /metrics read per service a round. */
function countingServices() {
  let metricsReads = 0;
  const client = {
    urls: Object.fromEntries(SERVICE_NAMES.map((name) => [name, `http://${name}`])),
    get: async () => ({ status: 200, body: { checks: {} } }),
    text: async () => {
      metricsReads += 1;
      return 'orders_placed_total 1\n';
    },
  } as unknown as ServicesClient;
  return { client, rounds: () => metricsReads / SERVICE_NAMES.length };
}

describe('the console watching the services', () => {
  let watch: ServiceWatch;
  let rounds: () => number;

  /** Lets the clock run `ms`, and every read it starts finish. */
  const pass = async (ms: number) => {
    await jest.advanceTimersByTimeAsync(ms);
  };

  beforeEach(() => {
    jest.useFakeTimers();
    const services = countingServices();
    rounds = services.rounds;
    const config = consoleConfigSchema.parse({ CONSOLE_SCRAPE_INTERVAL_MS: `${WATCHED_MS}`, CONSOLE_IDLE_SCRAPE_INTERVAL_MS: `${IDLE_MS}` });
    watch = new ServiceWatch(services.client, config as ConsoleConfig);
    watch.onModuleInit();
  });

  afterEach(async () => {
    await watch.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('reads the services at the idle pace while nobody looks', async () => {
    await pass(0);
    expect(rounds()).toBe(1);
    await pass(IDLE_MS - 1);
    expect(rounds()).toBe(1);
    await pass(1);
    expect(rounds()).toBe(2);
    await pass(3 * IDLE_MS);
    expect(rounds()).toBe(5);
  });

  it('reads soon when a page starts listening, at the watched pace while it listens, and slows down when it leaves', async () => {
    await pass(5_000);
    expect(rounds()).toBe(1);
    const seen: number[] = [];
    const page = watch.overviews.subscribe(() => seen.push(Date.now()));
    await pass(0); // the last read is older than the watched pace: read now
    expect(rounds()).toBe(2);
    expect(seen).toHaveLength(1);

    await pass(5 * WATCHED_MS);
    expect(rounds()).toBe(7);
    expect(seen).toHaveLength(6);

    page.unsubscribe();
    await pass(WATCHED_MS); // the read already scheduled at the watched pace
    expect(rounds()).toBe(8);
    await pass(IDLE_MS - 1);
    expect(rounds()).toBe(8);
    await pass(1);
    expect(rounds()).toBe(9);
  });

  it('answers GET /api/overview from a recent read, reads again first when the last is old, and keeps the watched pace while asked', async () => {
    await pass(0);
    await watch.overview();
    expect(rounds()).toBe(1); // the read of the start is recent

    await pass(WATCHED_MS); // asked a moment ago: the watched pace
    expect(rounds()).toBe(2);

    await pass(IDLE_MS + 7 * WATCHED_MS + 1); // nobody asked for 15 s: the idle pace, a read at 16 s and the next at 31 s
    const beforeAsking = rounds();
    await pass(2 * WATCHED_MS);
    expect(rounds()).toBe(beforeAsking);
    await watch.overview(); // more than two watched intervals old: read again before answering
    expect(rounds()).toBe(beforeAsking + 1);
  });

  it('refuses an idle pace faster than the watched one, naming the variable', () => {
    const parsed = consoleConfigSchema.safeParse({ CONSOLE_SCRAPE_INTERVAL_MS: '5000', CONSOLE_IDLE_SCRAPE_INTERVAL_MS: '1000' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['CONSOLE_IDLE_SCRAPE_INTERVAL_MS']);
  });
});
