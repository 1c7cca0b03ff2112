/**
 * kafkajs 2.2.4, its last release, re-arms a timer every millisecond on every broker connection
 * once it has nothing to send: RequestQueue.scheduleCheckPendingRequests schedules itself with a
 * negative delay while nothing is pending and nothing is throttled (tulios/kafkajs#1556; the fix,
 * tulios/kafkajs#1667, was never released). Measured here: about 1,500 event-loop wake-ups a
 * second and 3-4% of a core per idle service that uses Kafka.
 *
 * The check is only needed when requests wait: for throttling, or for a free in-flight slot
 * (and a finished request checks the queue itself). So with nothing pending and no throttle in
 * force, it is not scheduled at all. Applied once, when the Kafka client module loads.
 */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module, without types
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };

const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;

export function scheduleOnlyWhenWaiting(this: RequestQueueInternals): void {
  if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
  schedule.call(this);
}

RequestQueue.prototype.scheduleCheckPendingRequests = scheduleOnlyWhenWaiting;
