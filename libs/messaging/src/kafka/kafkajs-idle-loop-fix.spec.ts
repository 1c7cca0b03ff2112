import './kafkajs-idle-loop-fix';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the kafkajs internal the fix patches
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  requestTimeoutIntervalId?: NodeJS.Timeout;
  deadlineTimer?: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  scheduleRequestTimeoutCheck(): void;
  push(request: object): void;
  fulfillRequest(response: { correlationId: number; payload: unknown; size: number }): void;
  destroy(): void;
};

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queue = (requestTimeout = 1_000) =>
  new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout,
    enforceRequestTimeout: true,
    clientId: 'test',
    broker: 'broker:9092',
    logger: silent,
  });

/** Sends a request the broker never answers by itself; resolves with how it ended. */
function send(requests: ReturnType<typeof queue>, correlationId: number, sendRequest: () => void = () => undefined): Promise<string> {
  return new Promise((resolve) =>
    requests.push({
      entry: {
        correlationId,
        apiName: 'Metadata',
        apiKey: 3,
        apiVersion: 6,
        resolve: () => resolve('answered'),
        reject: (error: Error) => resolve(error.message),
      },
      expectResponse: true,
      sendRequest,
    }),
  );
}

describe("kafkajs's request queue with the idle-loop fix", () => {
  it('arms no timer when nothing waits and nothing is throttled', () => {
    const idle = queue();
    idle.scheduleCheckPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('still schedules a check when a request waits out a throttle', () => {
    const throttled = queue();
    throttled.throttledUntil = Date.now() + 60_000;
    throttled.pending.push({});
    throttled.scheduleCheckPendingRequests();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(throttled.throttleCheckTimeoutId!);
  });

  /** The timers that wake the process for request timeouts: kafkajs's interval, or the patch's deadline timer. */
  const timeoutTimers = (requests: ReturnType<typeof queue>) =>
    [requests.requestTimeoutIntervalId, requests.deadlineTimer].filter((timer) => timer !== undefined && timer !== null);

  describe('request timeouts', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('start no timer on connecting: nothing is in flight', () => {
      const connected = queue();
      connected.scheduleRequestTimeoutCheck();
      expect(timeoutTimers(connected)).toEqual([]);
    });

    it('still time out a request the broker does not answer within its timeout', async () => {
      const requests = queue(30);
      requests.scheduleRequestTimeoutCheck();
      const outcome = send(requests, 1);
      jest.advanceTimersByTime(31);
      await expect(outcome).resolves.toMatch(/Request Metadata\(key: 3, version: 6\) timed out/);
      expect(timeoutTimers(requests)).toEqual([]);
    });

    it('still time out a request whose send threw, so it does not hold its in-flight slot for ever', async () => {
      const requests = queue(30);
      requests.scheduleRequestTimeoutCheck();
      const outcome = send(requests, 1, () => {
        throw new Error('socket closed');
      }).catch((error: Error) => error.message);
      await expect(outcome).resolves.toBe('socket closed');
      expect(requests.inflight.size).toBe(1);
      jest.advanceTimersByTime(31);
      expect(requests.inflight.size).toBe(0);
    });

    it('leave no timer behind once the requests in flight are answered and their deadlines pass', async () => {
      const requests = queue(30);
      requests.scheduleRequestTimeoutCheck();
      const outcome = send(requests, 1);
      requests.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
      await expect(outcome).resolves.toBe('answered');
      jest.advanceTimersByTime(31);
      expect(timeoutTimers(requests)).toEqual([]);
    });
  });
});
