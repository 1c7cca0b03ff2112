import { consoleConfigSchema, idleScrapeIntervalMs } from '../console.config';
import type { ServicesClient } from '../operations/services-client';
import { SERVICE_NAMES } from './overview';
import { ServiceWatch } from './service-watch';

const WATCHED_MS = 2_000;
const IDLE_MS = 15_000;

/** Reads /metrics in `readMs` of (fake) time, and counts the rounds: one /metrics read per service a round. */
function countingServices(readMs: number) {
  let metricsReads = 0;
  const client = {
    urls: Object.fromEntries(SERVICE_NAMES.map((name) => [name, `http://${name}`])),
    get: async () => ({ status: 200, body: { checks: {} } }),
    text: async () => {
      metricsReads += 1;
      if (readMs > 0) await new Promise((resolve) => setTimeout(resolve, readMs));
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

  const start = (readMs = 0) => {
    const services = countingServices(readMs);
    rounds = services.rounds;
    const config = consoleConfigSchema.parse({ CONSOLE_SCRAPE_INTERVAL_MS: `${WATCHED_MS}`, CONSOLE_IDLE_SCRAPE_INTERVAL_MS: `${IDLE_MS}` });
    watch = new ServiceWatch(services.client, config);
    watch.onModuleInit();
  };

  beforeEach(() => {
    jest.useFakeTimers();
    start();
  });

  afterEach(async () => {
    const stopped = watch.onApplicationShutdown();
    await jest.runAllTimersAsync(); // a read under way finishes; a stopped watch schedules none
    await stopped;
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
    await pass(WATCHED_MS - 1); // and the next read comes a watched interval after that one, not at once
    expect(rounds()).toBe(beforeAsking + 1);
    await pass(1);
    expect(rounds()).toBe(beforeAsking + 2);
  });

  it('shares a read under way with whoever asks meanwhile, and paces from its end', async () => {
    const stopped = watch.onApplicationShutdown();
    await jest.runAllTimersAsync();
    await stopped;
    start(500);
    await pass(100); // the first round is reading
    const answers = [watch.overview(), watch.overview()];
    await pass(400);
    const [first, second] = await Promise.all(answers);
    expect(first).toBe(second);
    expect(rounds()).toBe(1);
    await pass(WATCHED_MS - 1); // watched (just asked): the next round starts a watched interval after this one ended
    expect(rounds()).toBe(1);
    await pass(1);
    expect(rounds()).toBe(2);
  });

  it('waits 15 s unwatched unless told, or the watched interval when that is longer', () => {
    const defaults = consoleConfigSchema.parse({});
    expect(idleScrapeIntervalMs(defaults)).toBe(15_000);
    expect(idleScrapeIntervalMs(consoleConfigSchema.parse({ CONSOLE_SCRAPE_INTERVAL_MS: '20000' }))).toBe(20_000);
    expect(idleScrapeIntervalMs(consoleConfigSchema.parse({ CONSOLE_IDLE_SCRAPE_INTERVAL_MS: '60000' }))).toBe(60_000);
  });

  it('refuses an idle pace faster than the watched one, naming the variable', () => {
    const parsed = consoleConfigSchema.safeParse({ CONSOLE_SCRAPE_INTERVAL_MS: '5000', CONSOLE_IDLE_SCRAPE_INTERVAL_MS: '1000' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['CONSOLE_IDLE_SCRAPE_INTERVAL_MS', expect.stringContaining('must be at least CONSOLE_SCRAPE_INTERVAL_MS (5000)')],
    ]);
  });
});
