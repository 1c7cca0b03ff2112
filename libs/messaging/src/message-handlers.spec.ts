import { defineMessage } from '@platform/contracts';
import { z } from 'zod';
import { PermanentMessageError } from './errors';
import type { InboundMessage } from './message';
import { MessageHandlers } from './message-handlers';

const ReserveSeat = defineMessage('cinema.reserve-seat', 2, z.object({ seat: z.string().min(1), row: z.number().int() }));

const message = (overrides: Partial<InboundMessage>): InboundMessage => ({
  messageId: 'm-1',
  type: ReserveSeat.type,
  version: 2,
  correlationId: 'c-1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  source: 'cinema.commands',
  payload: { seat: 'A', row: 3 },
  ...overrides,
});

describe('message handlers', () => {
  const handled: unknown[] = [];
  const handlers = new MessageHandlers<string>().on(ReserveSeat, async (payload, context) => {
    handled.push({ payload, context });
  });

  beforeEach(() => handled.splice(0));

  it('when a message matches its contract, then its handler gets the parsed payload and the context', async () => {
    await handlers.prepare(message({}))('tx-1');

    expect(handled).toEqual([{ payload: { seat: 'A', row: 3 }, context: 'tx-1' }]);
  });

  it.each([
    ['an unknown type', { type: 'cinema.sell-popcorn' }, 'no handler for message type cinema.sell-popcorn'],
    ['another version', { version: 1 }, 'cinema.reserve-seat version 1 is not supported (this consumer reads version 2)'],
    ['a payload that breaks the contract', { payload: { seat: '', row: 'three' } }, 'payload breaks its contract: seat:'],
  ])('when a message has %s, then it is a permanent failure and no handler runs', (_, overrides, reason) => {
    expect(() => handlers.prepare(message(overrides))).toThrow(PermanentMessageError);
    expect(() => handlers.prepare(message(overrides))).toThrow(reason);
    expect(handled).toEqual([]);
  });

  it('refuses a second handler for the same type', () => {
    expect(() => handlers.on(ReserveSeat, async () => undefined)).toThrow('two handlers for cinema.reserve-seat');
  });
});
