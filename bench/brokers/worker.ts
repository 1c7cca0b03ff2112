/**
 * One producer or one consumer of one phase of the broker benchmark, in a process of its own so
 * that its CPU time is its own and it competes for the cores as a real service would. Started by
 * bench/brokers/phase.ts with `fork`; see protocol.ts for what it is told and what it answers.
 */
import { openConsumer, openProducer } from './client';
import { configurationNamed } from './configurations';
import { decodeMessage, wallClockMs } from './payload';
import type { ExpectCommand, FromWorker, Role, ToWorker } from './protocol';
import { sendAsFastAsAllowed, sendOnTimetable } from './sending';
import { DeliveryTally } from './tally';

const tell = (message: FromWorker) => process.send?.(message);

/** The parent's commands, taken in order by whoever waits for them. */
class Inbox {
  private readonly waiting: ToWorker[] = [];
  private wake: (() => void) | null = null;

  constructor() {
    process.on('message', (command: ToWorker) => {
      this.waiting.push(command);
      this.wake?.();
    });
  }

  async next<T extends ToWorker['type']>(type: T): Promise<Extract<ToWorker, { type: T }>> {
    while (this.waiting.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    const command = this.waiting.shift()!;
    if (command.type !== type) throw new Error(`expected "${type}" from the benchmark, got "${command.type}"`);
    return command as Extract<ToWorker, { type: T }>;
  }
}

async function produce(configurationName: string, destination: string, inbox: Inbox): Promise<void> {
  const configuration = configurationNamed(configurationName);
  const producer = await openProducer(configuration, destination);
  tell({ type: 'ready' });
  const start = await inbox.next('start');
  const counter =
    start.ratePerSec === null
      ? await sendAsFastAsAllowed(producer, configuration.batchSize, start)
      : await sendOnTimetable(producer, configuration.batchSize, { ...start, ratePerSec: start.ratePerSec });
  tell({ type: 'sent', ...counter.done() });
  await inbox.next('stop');
  await producer.close();
}

/** Resolves once `total` different messages are in, or after `drainSeconds`. */
function drained(tally: DeliveryTally, { total, drainSeconds }: ExpectCommand, onDelivery: { check: (() => void) | null }): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(true), drainSeconds * 1000);
    const finish = (timedOut: boolean) => {
      clearTimeout(timer);
      onDelivery.check = null;
      resolve(timedOut);
    };
    onDelivery.check = () => tally.distinct >= total && finish(false);
    onDelivery.check();
  });
}

async function consume(configurationName: string, destination: string, inbox: Inbox): Promise<void> {
  const configuration = configurationNamed(configurationName);
  let tally: DeliveryTally | null = null;
  const onDelivery: { check: (() => void) | null } = { check: null };
  const consumer = await openConsumer(configuration, destination, {
    onMessage: (message) => {
      const receivedAtMs = wallClockMs();
      if (!tally) throw new Error(`a message arrived on ${destination} before the phase started`);
      tally.record(decodeMessage(message), receivedAtMs);
      onDelivery.check?.();
    },
    onFailure: fail,
  });
  tell({ type: 'ready' });
  const start = await inbox.next('start');
  tally = new DeliveryTally(start.startAtMs + start.seconds * 1000);
  const expected = await inbox.next('expect');
  const timedOut = await drained(tally, expected, onDelivery);
  tell({ type: 'drained', distinct: tally.distinct, timedOut });
  await inbox.next('report');
  tell({ type: 'report', summary: tally.summary() });
  await inbox.next('stop');
  await consumer.close();
}

async function main(): Promise<void> {
  const [role, configurationName, destination] = process.argv.slice(2) as [Role, string, string];
  const inbox = new Inbox();
  if (role === 'producer') await produce(configurationName, destination, inbox);
  else if (role === 'consumer') await consume(configurationName, destination, inbox);
  else throw new Error(`unknown role "${role}": producer or consumer`);
}

/** Tells the benchmark why, then ends: a half-working producer or consumer would only spoil the figures. */
function fail(error: unknown): void {
  const message: FromWorker = { type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  if (process.send) process.send(message, () => process.exit(1));
  else process.exit(1);
}

process.on('uncaughtException', fail);
main().then(() => process.exit(0), fail);
