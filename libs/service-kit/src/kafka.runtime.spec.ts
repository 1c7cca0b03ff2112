import { type ResetFrom, ResetRefusedError, RetryPolicy } from '@platform/messaging';
import { PlatformMetrics } from '@platform/observability';
import type { Kafka } from 'kafkajs';
import pino from 'pino';
import type { KafkaConfig } from './config';
import { KafkaRuntime } from './kafka.runtime';

/** A consumer group member whose joining the test holds and releases. */
class FakeSubscription {
  static members: FakeSubscription[] = [];
  /** What each new member's start() waits for. */
  static joining: () => Promise<void> = async () => undefined;
  isRunning = false;
  stopped = false;

  constructor() {
    FakeSubscription.members.push(this);
  }

  async start(): Promise<void> {
    await FakeSubscription.joining();
    this.isRunning = true;
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    this.stopped = true;
  }

  syncPause(): void {}
}

jest.mock('@platform/messaging', () => ({
  ...jest.requireActual('@platform/messaging'),
  ensureTopics: async () => undefined,
  KafkaPublisher: class {
    readonly isConnected = true;
    async connect(): Promise<void> {}
    async disconnect(): Promise<void> {}
  },
  KafkaSubscription: jest.fn().mockImplementation(() => new FakeSubscription()),
  ConsumerLagMonitor: class {
    start(): void {}
    async stop(): Promise<void> {}
    latest(): null {
      return null;
    }
  },
  resetConsumerGroup: async () => [{ topic: 'orders', partition: 0, offset: 0 }],
}));

const admin = { connect: async () => undefined, disconnect: async () => undefined, fetchTopicOffsets: async () => [{ partition: 0, low: '0', high: '7' }] };
const kafka = { admin: () => admin } as unknown as Kafka;
const config = { KAFKA_TOPIC_PARTITIONS: 3, KAFKA_LAG_ALERT_THRESHOLD: 1_000, KAFKA_LAG_CHECK_INTERVAL_MS: 600_000 } as KafkaConfig;

const FROM_BEGINNING: ResetFrom = { kind: 'beginning' };

function held(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let turn = 0; turn < 1_000; turn += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the condition never held');
}

function runtime(): { kafka: KafkaRuntime; consuming: () => Promise<boolean> } {
  const runtime = new KafkaRuntime(kafka, config, { groupId: 'points', topics: ['orders'], retry: RetryPolicy.intervals(200) }, pino({ level: 'silent' }), new PlatformMetrics('points'));
  runtime.handleBatchesWith(async () => undefined);
  const groupCheck = runtime.readinessChecks()[1];
  return { kafka: runtime, consuming: () => groupCheck.check().then(() => true, () => false) };
}

describe('the Kafka runtime, phase by phase', () => {
  beforeEach(() => {
    FakeSubscription.members = [];
    FakeSubscription.joining = async () => undefined;
  });

  it('when stop() comes while the group is being joined, then the half-joined member is stopped, the join is not retried, and stop() waits for it', async () => {
    const joining = held();
    FakeSubscription.joining = () => joining.promise;
    const { kafka } = runtime();

    kafka.start();
    await until(() => FakeSubscription.members.length === 1);
    let stopped = false;
    const stopping = kafka.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    joining.release();
    await stopping;

    expect(FakeSubscription.members).toHaveLength(1);
    expect(FakeSubscription.members[0].stopped).toBe(true);
  });

  it('when a replay is asked for while the group is still being joined, then it is refused; once consuming, the member leaves and a new one joins', async () => {
    const joining = held();
    FakeSubscription.joining = () => joining.promise;
    const { kafka, consuming } = runtime();
    kafka.start();
    await until(() => FakeSubscription.members.length === 1);

    await expect(kafka.replay(FROM_BEGINNING, async () => undefined)).rejects.toThrow('the consumer is not running yet');
    joining.release();
    await until(consuming);
    FakeSubscription.joining = async () => undefined;
    const replay = await kafka.replay(FROM_BEGINNING, async () => undefined);

    expect(replay.until).toEqual([{ topic: 'orders', partition: 0, offset: 7 }]);
    expect(FakeSubscription.members.map(({ stopped, isRunning }) => ({ stopped, isRunning }))).toEqual([
      { stopped: true, isRunning: false },
      { stopped: false, isRunning: true },
    ]);
    expect(await consuming()).toBe(true);
    await kafka.stop();
  });

  it('when a replay runs, then a second one is refused, readiness does not fail, and stop() waits for the replay and does not rejoin', async () => {
    const { kafka, consuming } = runtime();
    kafka.start();
    await until(consuming);
    const resetting = held();

    const replay = kafka.replay(FROM_BEGINNING, () => resetting.promise);
    await until(() => FakeSubscription.members[0].stopped);
    await expect(kafka.replay(FROM_BEGINNING, async () => undefined)).rejects.toBeInstanceOf(ResetRefusedError);
    expect(await consuming()).toBe(true); // a replay is not an outage
    const stopping = kafka.stop();
    resetting.release();
    await Promise.all([replay, stopping]);

    expect(FakeSubscription.members).toHaveLength(1);
    await expect(kafka.replay(FROM_BEGINNING, async () => undefined)).rejects.toThrow('the service is stopping');
  });
});
