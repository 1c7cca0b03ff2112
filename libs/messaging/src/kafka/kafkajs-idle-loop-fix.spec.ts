import './kafkajs-idle-loop-fix';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the kafkajs internal the fix patches
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queue = () =>
  new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1_000, clientId: 'test', broker: 'broker:9092', logger: silent });

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
});
