import { handleTogether } from './batch-attempts';
import { PermanentMessageError } from './errors';
import { RetryPolicy } from './retry-policy';
import type { InboundMessage } from './message';

const messages = [{ messageId: 'a' }, { messageId: 'b' }] as unknown as InboundMessage[];
const lostConnection = () => new Error('Connection terminated unexpectedly');

describe('handling a batch together', () => {
  it('retries the whole batch after a transient failure, then reports it committed', async () => {
    const calls: number[] = [];
    const outcome = await handleTogether(
      async (batch) => {
        calls.push(batch.length);
        if (calls.length < 3) throw lostConnection();
      },
      messages,
      RetryPolicy.intervals(1_000),
      { onSplit: () => undefined, waitToRetry: async () => true },
    );
    expect(outcome).toBe('committed');
    expect(calls).toEqual([2, 2, 2]);
  });

  it('splits on any other failure, without retrying', async () => {
    let splitBy: unknown;
    let retries = 0;
    const outcome = await handleTogether(
      async () => {
        throw new PermanentMessageError('broken contract');
      },
      messages,
      RetryPolicy.intervals(1_000),
      { onSplit: (error) => (splitBy = error), waitToRetry: async () => (retries += 1) > 0 },
    );
    expect(outcome).toBe('split');
    expect(splitBy).toBeInstanceOf(PermanentMessageError);
    expect(retries).toBe(0);
  });

  it('gives up when the consumer stops waiting', async () => {
    const outcome = await handleTogether(
      async () => {
        throw lostConnection();
      },
      messages,
      RetryPolicy.intervals(1_000),
      { onSplit: () => undefined, waitToRetry: async () => false },
    );
    expect(outcome).toBe('abandoned');
  });
});
