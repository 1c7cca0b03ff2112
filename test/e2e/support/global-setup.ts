import { existsSync, readFileSync } from 'node:fs';
import { instanceEnvironment, SERVICES, servicePort, STATE_FILE } from '../../../tools/stack/stack.config';
import type { StackState } from '../../../tools/stack/start';
import { isReady } from '../../../tools/stack/services';
import { startStack, type Stack } from '../../../tools/stack/stack';

declare global {
  var e2eStack: Stack | undefined;
}

/**
 * The payment timeout of the services this setup starts: short, so the timeout scenario runs in
 * seconds. Services reused from `npm start` keep their own (30 s by default); the timeout test
 * waits long enough for either.
 */
export const E2E_PAYMENT_TIMEOUT_MS = 5_000;

/** A short retry ladder, so a failing message reaches its dead-letter queue in about a second. */
export const E2E_RETRY_DELAYS_MS = [200, 300, 500];

/** Shorter than the payment timeout, so an order held up by payment is reminded before it is cancelled. */
export const E2E_ORDER_REMINDER_DELAY_MS = 2_000;

/** What the services a suite starts run with, besides their addresses: short delays, so that scenarios take seconds. */
export const E2E_SETTINGS: NodeJS.ProcessEnv = {
  PAYMENT_TIMEOUT_MS: String(E2E_PAYMENT_TIMEOUT_MS),
  RABBITMQ_RETRY_DELAYS_MS: E2E_RETRY_DELAYS_MS.join(','),
  ORDER_REMINDER_DELAY_MS: String(E2E_ORDER_REMINDER_DELAY_MS),
  KAFKA_LAG_CHECK_INTERVAL_MS: '1000',
  // The lag test produces threshold + 500 events to the shared orders log; keep that small here.
  KAFKA_LAG_ALERT_THRESHOLD: '200',
  // The stuck-saga test waits this long for a saga to count as stuck.
  SAGA_STUCK_AFTER_MS: '4000',
  SAGA_STUCK_CHECK_INTERVAL_MS: '500',
};

/**
 * Picks the platform the suites run against, once.
 * - When `npm start`'s five services answer, the suites use that platform and leave it running.
 * - When none does, it starts an instance of its own ("e2e"): brokers and databases that are
 *   down, and the five services built in dist/, on their own databases, RabbitMQ vhost, Redis
 *   database and Kafka broker. So the short delays and test data of this run are never seen by
 *   the platform people start afterwards. The suites read where it runs from process.env.
 */
export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stdout.write(`[e2e stack] ${line}\n`);
  const running = await Promise.all(SERVICES.map((service) => isReady(`http://127.0.0.1:${servicePort(service)}`)));
  if (running.every(Boolean)) {
    const state = existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as StackState) : undefined;
    if (state?.services.some(({ name }) => /-\d+$/.test(name))) {
      throw new Error("npm start's platform runs replicas, and the suites kill, pause and count one process per service: restart it without --replicas, or stop it (the replica suite adds its own instances)");
    }
    if (state?.cluster) {
      throw new Error("npm start's platform runs on broker clusters, and the suites stop and restart single brokers: restart it without --cluster, or stop it (the cluster suite runs its own)");
    }
    log("npm start's platform is running; the suites use it");
    return;
  }
  if (running.some(Boolean)) {
    const up = SERVICES.filter((_, index) => running[index]).map(({ name }) => name);
    throw new Error(`only some services answer (${up.join(', ')}): run npm start to finish starting the platform, or npm stop to let the tests start their own`);
  }
  // The suites read the stack's settings (addresses, retry delays, timeouts) from process.env, as its services do.
  Object.assign(process.env, instanceEnvironment('e2e'), E2E_SETTINGS);
  globalThis.e2eStack = await startStack(log, E2E_SETTINGS);
}
