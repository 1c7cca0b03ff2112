import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { platformUnderTest } from './support/environment';
import { eventually, http, unique } from './support/platform';
import { awaitServicesRememberingInRedis, ensureRedisIsUp, stopRedis } from './support/redis';

const LIMITED_PORT = 3022;
const LIMIT = 5;
const limited = `http://127.0.0.1:${LIMITED_PORT}`;

/** A second payment instance on the same database and brokers, with RATE_LIMIT_PER_MINUTE set, as docker compose sets it. */
function startRateLimitedPayment(): ChildProcess {
  return spawn(process.execPath, [path.resolve(__dirname, '../../dist/apps/payment/src/main.js')], {
    env: {
      ...process.env,
      PORT: String(LIMITED_PORT),
      DATABASE_URL: platformUnderTest.databaseUrl('payment'),
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
}

const counter = async (name: string) => {
  const metrics = await (await fetch(`${limited}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
};

describe('rate limiting, when RATE_LIMIT_PER_MINUTE is set', () => {
  let instance: ChildProcess | undefined;
  afterEach(async () => {
    instance?.kill('SIGKILL');
    await ensureRedisIsUp();
  });
  // The platform's own services lost Redis too.
  afterAll(awaitServicesRememberingInRedis, 90_000);

  it('answers 429 with Retry-After past the limit, never limits health or metrics, and lets requests through while Redis is down', async () => {
    instance = startRateLimitedPayment();
    await eventually(
      () => fetch(`${limited}/health/ready`).then((response) => response.status, () => 0),
      (status) => status === 200,
      { what: 'the rate-limited payment instance to be ready' },
    );
    const account = unique('nobody');
    const ask = () => http<{ statusCode: number; error: string; message: string }>('GET', `${limited}/accounts/${account}`);

    const within = [];
    for (let request = 0; request < LIMIT; request += 1) within.push((await ask()).status);
    const over = await ask();

    expect(within).toEqual(Array(LIMIT).fill(404));
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(over.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) });
    for (let probe = 0; probe < 2 * LIMIT; probe += 1) expect((await fetch(`${limited}/health/ready`)).status).toBe(200);
    expect(await counter('http_rate_limited_total')).toBeGreaterThanOrEqual(1);

    await stopRedis();
    expect((await ask()).status).toBe(404);
    expect(await counter('http_rate_limit_unchecked_total')).toBeGreaterThanOrEqual(1);
  });
});
