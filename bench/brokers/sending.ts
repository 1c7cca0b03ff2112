import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Producer } from './client';
import { encodeMessage, wallClockMs } from './payload';
import type { ProducerDone, StartCommand } from './protocol';
import { summarizeLatencies } from './tally';
import { sendsFor, Timetable } from './timetable';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts what the broker acknowledged and what failed; the first failure is reported, not just counted. */
export class SendCounter {
  published = 0;
  failed = 0;
  firstError: string | null = null;
  private readonly sendLagsMs: number[] = [];

  track(send: Promise<void>, messages: number): Promise<void> {
    return send.then(
      () => {
        this.published += messages;
      },
      (error: unknown) => {
        this.failed += messages;
        this.firstError ??= error instanceof Error ? error.message : String(error);
      },
    );
  }

  /** A message of the timetable went out `lagMs` after it was due. */
  sentLate(lagMs: number): void {
    this.sendLagsMs.push(lagMs);
  }

  done(): Omit<ProducerDone, 'type'> {
    return {
      published: this.published,
      failed: this.failed,
      firstError: this.firstError,
      sendLagMs: this.sendLagsMs.length > 0 ? summarizeLatencies(this.sendLagsMs) : null,
    };
  }
}

async function sleepUntil(wallClock: number): Promise<void> {
  const wait = wallClock - wallClockMs();
  if (wait > 0) await sleep(wait);
}

/** Saturation: full batches, each awaited, back to back, until the time is up. */
export async function sendAsFastAsAllowed(producer: Producer, batchSize: number, { startAtMs, seconds }: StartCommand): Promise<SendCounter> {
  const counter = new SendCounter();
  const endAtMs = startAtMs + seconds * 1000;
  await sleepUntil(startAtMs);
  for (let sequence = 0; wallClockMs() < endAtMs; ) {
    const sentAtMs = wallClockMs();
    const batch = Array.from({ length: batchSize }, () => encodeMessage({ sequence: sequence++, dueAtMs: sentAtMs, sentAtMs }));
    await counter.track(producer.send(batch), batch.length);
    // A send that completes at once (RabbitMQ without confirms) must still let the socket write and read.
    await nextTurn();
  }
  return counter;
}

// Timers fire a millisecond late or more anyway: waking at least every millisecond keeps sends close to due.
const TICK_MS = 1;

/** A fixed rate: what is due is sent when it is due, without waiting for earlier sends to be acknowledged. */
export async function sendOnTimetable(producer: Producer, batchSize: number, { startAtMs, seconds, ratePerSec }: StartCommand & { ratePerSec: number }): Promise<SendCounter> {
  const counter = new SendCounter();
  const timetable = new Timetable(ratePerSec, seconds);
  const inFlight: Promise<void>[] = [];
  await sleepUntil(startAtMs);
  for (let sent = 0; sent < timetable.size; ) {
    const due = timetable.dueBy(wallClockMs() - startAtMs, sent);
    for (const [from, to] of sendsFor(sent, due, batchSize)) {
      const sentAtMs = wallClockMs();
      const batch = Array.from({ length: to - from }, (_, offset) => {
        const dueAtMs = startAtMs + timetable.dueAtMs(from + offset);
        counter.sentLate(sentAtMs - dueAtMs);
        return encodeMessage({ sequence: from + offset, dueAtMs, sentAtMs });
      });
      inFlight.push(counter.track(producer.send(batch), batch.length));
    }
    sent = due;
    const untilNext = timetable.msUntilNext(wallClockMs() - startAtMs, sent);
    if (Number.isFinite(untilNext)) await sleep(Math.min(TICK_MS, untilNext));
  }
  await Promise.all(inFlight);
  return counter;
}
