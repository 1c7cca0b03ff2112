/**
 * Two ways to offer load.
 *
 * Open loop: each request is sent at its scheduled time whether or not the earlier ones have been
 * answered, as real customers do. A closed loop (send, wait, send) slows down with the server and
 * so hides exactly the queueing a benchmark is for ("coordinated omission"). For the same reason a
 * request's latency is counted from when it was due, not from when the client got round to it.
 *
 * Burst: a fixed number of requests through a fixed number of connections, each connection sending
 * its next request as soon as the previous one is answered: as fast as the server lets them in.
 */

/** When each of the step's requests is due, in ms from the step's start: evenly spaced at the rate. */
export function openLoopSchedule(ratePerSec: number, seconds: number): number[] {
  const count = Math.round(ratePerSec * seconds);
  return Array.from({ length: count }, (_, index) => (index * 1000) / ratePerSec);
}

/** How many requests of the schedule are due `elapsedMs` after the start (the schedule is sorted). */
export function dueCount(scheduleMs: readonly number[], elapsedMs: number, alreadySent = 0): number {
  let due = alreadySent;
  while (due < scheduleMs.length && scheduleMs[due] <= elapsedMs) due += 1;
  return due;
}

/** One request's timing: when it was due, when it went out, when its answer (or failure) came back. */
export interface Timed<T> {
  readonly dueAt: number;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly result: T;
}

// Timers fire late by a millisecond or more anyway; waking every 2 ms keeps sends close to due.
const TICK_MS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `send()` on the schedule (times from performance.now()) and returns every result, once all are in. */
export async function runOpenLoop<T>(scheduleMs: readonly number[], send: () => Promise<T>): Promise<Timed<T>[]> {
  const start = performance.now();
  const inFlight: Promise<Timed<T>>[] = [];
  let sent = 0;
  while (sent < scheduleMs.length) {
    const due = dueCount(scheduleMs, performance.now() - start, sent);
    for (; sent < due; sent += 1) inFlight.push(timed(start + scheduleMs[sent], send));
    if (sent < scheduleMs.length) await sleep(Math.min(TICK_MS, Math.max(0, start + scheduleMs[sent] - performance.now())));
  }
  return Promise.all(inFlight);
}

/** Sends `count` requests over `connections` closed loops; each request is due when it is sent. */
export async function runBurst<T>(count: number, connections: number, send: () => Promise<T>): Promise<Timed<T>[]> {
  const results: Timed<T>[] = [];
  let started = 0;
  const connection = async () => {
    while (started < count) {
      started += 1;
      results.push(await timed(performance.now(), send));
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, count) }, connection));
  return results;
}

async function timed<T>(dueAt: number, send: () => Promise<T>): Promise<Timed<T>> {
  const sentAt = performance.now();
  const result = await send();
  return { dueAt, sentAt, answeredAt: performance.now(), result };
}
