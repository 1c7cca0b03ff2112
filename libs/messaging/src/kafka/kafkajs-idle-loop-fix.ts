/**
 * kafkajs 2.2.4, its last release, wakes every idle broker connection many times a second. Two
 * timers do it, and both are patched here, once, when the Kafka client module loads.
 *
 * 1. RequestQueue.scheduleCheckPendingRequests re-arms a timer every millisecond once it has
 *    nothing to send: it schedules itself with a negative delay while nothing is pending and
 *    nothing is throttled (tulios/kafkajs#1556; the fix, tulios/kafkajs#1667, was never released).
 *    Measured here: about 1,500 event-loop wake-ups a second and 3-4% of a core per idle service
 *    that uses Kafka. The check is only needed when requests wait: for throttling, or for a free
 *    in-flight slot (and a finished request checks the queue itself). So with nothing pending and
 *    no throttle in force, it is not scheduled at all.
 *
 * 2. RequestQueue.scheduleRequestTimeoutCheck starts, on every connection, an interval of 100 ms
 *    that looks for in-flight requests past their timeout, whether any request is in flight or not.
 *    An idle service holds three to five connections (producer, consumer, admin): 30-50 wake-ups a
 *    second, most of what an idle service did. Here one timer per connection is armed for the
 *    earliest deadline among the requests in flight, and only while there are any; a request is
 *    timed out as before, at its deadline instead of up to 100 ms after it.
 */
interface InFlightRequest {
  correlationId: number;
  sentAt: number | null;
  requestTimeout: number;
  timeoutRequest(): void;
}

interface RequestQueueInternals {
  pending: unknown[];
  inflight: Map<number, InFlightRequest>;
  throttledUntil: number;
  enforceRequestTimeout: boolean;
  isConnected(): boolean;
  scheduleCheckPendingRequests(): void;
  scheduleRequestTimeoutCheck(): void;
  sendSocketRequest(request: unknown): void;
  destroy(): void;
  /** Added here: the timer armed for the earliest deadline in flight, and that deadline. */
  deadlineTimer?: NodeJS.Timeout | null;
  deadlineAt?: number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module, without types
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };

const { scheduleCheckPendingRequests, sendSocketRequest, destroy } = RequestQueue.prototype;

export function scheduleOnlyWhenWaiting(this: RequestQueueInternals): void {
  if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
  scheduleCheckPendingRequests.call(this);
}

/** Replaces the 100 ms interval kafkajs starts on connecting; the deadlines are watched per request instead. */
export function watchDeadlinesPerRequest(this: RequestQueueInternals): void {
  if (this.enforceRequestTimeout) this.destroy();
}

export function sendAndWatchDeadline(this: RequestQueueInternals, request: unknown): void {
  try {
    sendSocketRequest.call(this, request);
  } finally {
    // Also after a send that threw: kafkajs then leaves the request in flight, unsent, for the timeout to reject.
    if (this.enforceRequestTimeout) armForEarliestDeadline(this);
  }
}

export function destroyWithDeadlineTimer(this: RequestQueueInternals): void {
  destroy.call(this);
  clearTimeout(this.deadlineTimer ?? undefined);
  this.deadlineTimer = null;
}

function armForEarliestDeadline(queue: RequestQueueInternals): void {
  let earliest = Infinity;
  for (const request of queue.inflight.values()) earliest = Math.min(earliest, deadlineOf(request));
  if (earliest === Infinity) return;
  if (queue.deadlineTimer && (queue.deadlineAt ?? Infinity) <= earliest) return;
  clearTimeout(queue.deadlineTimer ?? undefined);
  queue.deadlineAt = earliest;
  // kafkajs times a request out once more than requestTimeout has passed since it was sent.
  queue.deadlineTimer = setTimeout(() => timeOutExpired(queue), Math.max(0, earliest - Date.now()) + 1);
}

/** An unsent request (its send threw) is past its deadline at once, as kafkajs's own check has it. */
const deadlineOf = (request: InFlightRequest) => (request.sentAt ?? 0) + request.requestTimeout;

function timeOutExpired(queue: RequestQueueInternals): void {
  queue.deadlineTimer = null;
  const now = Date.now();
  for (const request of [...queue.inflight.values()]) {
    // Timing out one request can settle others (a listener, a pending request sent); only those still in flight count.
    if (queue.inflight.get(request.correlationId) === request && now > deadlineOf(request)) request.timeoutRequest();
  }
  if (queue.isConnected()) armForEarliestDeadline(queue);
}

RequestQueue.prototype.scheduleCheckPendingRequests = scheduleOnlyWhenWaiting;
RequestQueue.prototype.scheduleRequestTimeoutCheck = watchDeadlinesPerRequest;
RequestQueue.prototype.sendSocketRequest = sendAndWatchDeadline;
RequestQueue.prototype.destroy = destroyWithDeadlineTimer;
