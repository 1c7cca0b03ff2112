import { setTimeout as spaced } from 'node:timers/promises';
import { type InboundMessage, type MessagePublisher, RabbitConnection, RabbitConsumer, RetryPolicy } from '@platform/messaging';
import { OutboxRelay, type OutboxRelayOptions } from '@platform/outbox';
import { Pool } from 'pg';
import { connectPublisher, createLabDatabase, insertRows, LAB, labLogger, type LabPublisher, labTopology } from '../../tools/outbox-lab/lab';
import { platformUnderTest } from './support/environment';
import { drainLabQueue, labQueueConsumers, purgeLabQueue } from './support/lab-queue';
import { eventually } from './support/platform';
import { LAB_RELAY_OPTIONS } from './support/lab-relay';

const LINGER_MS = 1_200;
const ROWS = 8;
/** Rows committed one at a time this far apart: all of them within one linger, each far apart enough for a claim of its own without one. */
const COMMIT_SPACING_MS = 40;

/** The real RabbitMQ publisher, counting the batches the relay hands it. */
function countingBatches(inner: MessagePublisher): MessagePublisher & { batches: number[] } {
  const batches: number[] = [];
  return {
    broker: inner.broker,
    batches,
    publish: (messages) => {
      batches.push(messages.length);
      return inner.publish(messages);
    },
  };
}

/** One row per transaction, each its own order, committed COMMIT_SPACING_MS apart: how events trickle in at a moderate rate. */
async function commitOneAtATime(pool: Pool): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < ROWS; index += 1) {
    ids.push(...(await insertRows(pool, 'rabbitmq', [{ aggregateId: `linger-${index}`, seq: 0 }])));
    await spaced(COMMIT_SPACING_MS);
  }
  return ids;
}

/**
 * Messages no saga waits on (the event logs, the event and e-mail queues) may wait a little to
 * travel together: one claim, one publish, one consumer transaction for what arrived meanwhile.
 */
describe('batches that linger, for messages nobody waits on', () => {
  let pool: Pool;
  let lab: LabPublisher;

  beforeEach(async () => {
    pool = new Pool({ connectionString: await createLabDatabase('event_linger_test'), max: 4 });
    await purgeLabQueue();
    lab = await connectPublisher('rabbitmq', labLogger());
  });

  afterEach(async () => {
    await lab.close();
    await pool.end();
  });

  async function relayWith(options: OutboxRelayOptions, publisher: MessagePublisher, work: () => Promise<void>): Promise<void> {
    const relay = new OutboxRelay(pool, [publisher], options, labLogger());
    relay.start();
    try {
      await work();
    } finally {
      await relay.stop();
    }
  }

  const sentCount = async () => Number((await pool.query<{ n: string }>("SELECT count(*) AS n FROM outbox_message WHERE status = 'SENT'")).rows[0].n);

  it('when rows commit one after another, then a lingering relay worker publishes them together, each once', async () => {
    const publisher = countingBatches(lab.publisher);
    let ids: string[] = [];

    await relayWith({ ...LAB_RELAY_OPTIONS, lingerMs: { rabbitmq: LINGER_MS } }, publisher, async () => {
      // A first row, so the relay is listening and asleep, as it is between orders, when the others commit.
      await insertRows(pool, 'rabbitmq', [{ aggregateId: 'linger-first', seq: 0 }]);
      await eventually(sentCount, (sent) => sent === 1, { what: 'the first row to be sent' });
      publisher.batches.length = 0;

      ids = await commitOneAtATime(pool);
      await eventually(sentCount, (sent) => sent === ROWS + 1, { what: 'every row to be sent' });
    });

    // The first commit woke the relay, and every other one came within its linger: one claim took them all.
    // (Two, should this machine be slow enough for the commits to outlast the linger.)
    expect(publisher.batches.length).toBeLessThanOrEqual(2);
    const received = (await drainLabQueue()).filter((message) => message.aggregateId !== 'linger-first');
    expect(received.map((message) => message.messageId).sort()).toEqual([...ids].sort());
  });

  it('when messages arrive one after another, then a lingering consumer handles them in one batch, and acks them all', async () => {
    const handled: string[][] = [];
    const connection = new RabbitConnection({ urls: [platformUnderTest.rabbitUrl], connectionName: 'event-linger-test', topology: labTopology }, labLogger());
    new RabbitConsumer(
      connection,
      { queue: LAB.queue, prefetch: 100, lingerMs: LINGER_MS, retry: RetryPolicy.intervals(200), consumer: 'event-linger-test' },
      async (messages: readonly InboundMessage[]) => {
        handled.push(messages.map((message) => message.messageId));
      },
      labLogger(),
    );
    connection.start();
    try {
      // Attached before the first message, so the messages reach it one at a time, as they are published.
      await eventually(labQueueConsumers, (consumers) => consumers === 1, { what: 'the consumer to attach' });
      const publisher = countingBatches(lab.publisher);
      let ids: string[] = [];
      // The relay does not linger here, so the messages reach the queue one at a time.
      await relayWith(LAB_RELAY_OPTIONS, publisher, async () => {
        ids = await commitOneAtATime(pool);
        await eventually(sentCount, (sent) => sent === ROWS, { what: 'every row to be sent' });
      });
      expect(publisher.batches.length).toBeGreaterThan(2);

      await eventually(
        async () => handled.flat().length,
        (count) => count === ROWS,
        { what: 'every message to be handled' },
      );
      expect(handled.length).toBeLessThanOrEqual(2);
      expect(handled.flat().sort()).toEqual([...ids].sort());
    } finally {
      await connection.stop();
    }
    // Acked after the handler: nothing is left in the queue for a later consumer.
    expect(await drainLabQueue()).toEqual([]);
  });
});
