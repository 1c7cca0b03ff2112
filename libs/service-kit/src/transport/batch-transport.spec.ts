import { Controller, type INestApplication } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { defineMessage, type PayloadOf } from '@platform/contracts';
import type { SqlTransaction } from '@platform/database';
import type { IdempotentConsumer, InboxEntry } from '@platform/idempotency';
import { type InboundMessage, PermanentMessageError } from '@platform/messaging';
import { PlatformMetrics } from '@platform/observability';
import pino from 'pino';
import { z } from 'zod';
import { BatchTransport, type BatchTransportOptions } from './batch-transport';
import { startMessageTransports } from './connect-transports';
import type { MessageContext } from './message-context';
import { messageFrom } from './message-pattern';

const ReserveSeat = defineMessage('cinema.reserve-seat', 2, z.object({ seat: z.string().min(1), row: z.number().int() }));
const SeatSold = defineMessage('cinema.seat-sold', 1, z.object({ seat: z.string() }));

const seen: { subscription: string; payload: unknown; tx: unknown; messageId: string; batch: string[] }[] = [];

@Controller()
class BoxOfficeController {
  @EventPattern(...messageFrom('cinema.commands', ReserveSeat))
  reserve(@Payload() command: PayloadOf<typeof ReserveSeat>, @Ctx() { tx, message, batch }: MessageContext<SqlTransaction>): void {
    if (command.seat === 'broken') throw new PermanentMessageError('seat broken does not exist');
    seen.push({ subscription: 'cinema.commands', payload: command, tx, messageId: message.messageId, batch: batch.map((m) => m.messageId) });
  }

  @EventPattern(...messageFrom('cinema.audit', ReserveSeat, SeatSold))
  audit(@Payload() payload: unknown, @Ctx() { tx, message }: MessageContext<SqlTransaction>): void {
    seen.push({ subscription: 'cinema.audit', payload, tx, messageId: message.messageId, batch: [] });
  }
}

@Controller()
class StrayController {
  @EventPattern(...messageFrom('cinema.popcorn', SeatSold))
  sold(): void {}
}

@Controller()
class PlainPatternController {
  @EventPattern('cinema.seat-sold')
  sold(): void {}
}

const TX = { name: 'the batch transaction' } as unknown as SqlTransaction;

/** Stands in for the inbox: every message is new, and the batch runs in one (pretend) transaction. */
const inbox = {
  transactions: 0,
  async handleBatch(_consumer: string, entries: readonly InboxEntry[]) {
    this.transactions += 1;
    for (const entry of entries) await entry.apply(TX, entries.map(({ message }) => message));
    return entries.map(() => 'processed' as const);
  },
};

class TestTransport extends BatchTransport {
  constructor(options: BatchTransportOptions) {
    super(options);
  }

  listen(callback: () => void): void {
    this.indexHandlers();
    callback();
  }

  deliver(subscription: string, messages: InboundMessage[]): Promise<void> {
    return this.dispatch(subscription, messages);
  }

  close(): void {}

  unwrap<T>(): T {
    return null as T;
  }
}

const message = (messageId: string, overrides: Partial<InboundMessage> = {}): InboundMessage => ({
  messageId,
  type: ReserveSeat.type,
  version: 2,
  correlationId: 'c-1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  source: 'cinema.commands',
  payload: { seat: 'A', row: 3 },
  ...overrides,
});

async function start(controllers: (new () => object)[], subscriptions = ['cinema.commands', 'cinema.audit']) {
  const module = await Test.createTestingModule({ controllers }).compile();
  const app = module.createNestApplication({ logger: false });
  const transport = new TestTransport({
    service: 'cinema',
    subscriptions,
    inbox: inbox as unknown as IdempotentConsumer,
    logger: pino({ level: 'silent' }),
    metrics: new PlatformMetrics('cinema'),
  });
  await startMessageTransports(app, [transport]);
  return { app, transport };
}

describe('the platform transports, through Nest', () => {
  let app: INestApplication;
  let transport: TestTransport;

  beforeAll(async () => ({ app, transport } = await start([BoxOfficeController])));
  afterAll(() => app.close());
  beforeEach(() => {
    seen.splice(0);
    inbox.transactions = 0;
  });

  it('when a batch arrives, then each @EventPattern method gets its parsed payload, the transaction and the batch', async () => {
    await transport.deliver('cinema.commands', [message('m-1'), message('m-2', { payload: { seat: 'B', row: 4, extra: 'dropped' } })]);

    expect(inbox.transactions).toBe(1);
    expect(seen).toEqual([
      { subscription: 'cinema.commands', payload: { seat: 'A', row: 3 }, tx: TX, messageId: 'm-1', batch: ['m-1', 'm-2'] },
      { subscription: 'cinema.commands', payload: { seat: 'B', row: 4 }, tx: TX, messageId: 'm-2', batch: ['m-1', 'm-2'] },
    ]);
  });

  it('when one type is handled on two subscriptions, then each subscription reaches its own method', async () => {
    await transport.deliver('cinema.audit', [message('m-3'), message('m-4', { type: SeatSold.type, version: 1, payload: { seat: 'C' } })]);

    expect(seen.map(({ subscription, messageId }) => [subscription, messageId])).toEqual([
      ['cinema.audit', 'm-3'],
      ['cinema.audit', 'm-4'],
    ]);
  });

  it('when a handler throws, then the transport gets that very error, not Nest\'s "Internal server error"', async () => {
    const failure = transport.deliver('cinema.commands', [message('m-5', { payload: { seat: 'broken', row: 1 } })]);

    await expect(failure).rejects.toBeInstanceOf(PermanentMessageError);
    await expect(failure).rejects.toThrow('seat broken does not exist');
  });

  it.each([
    ['a type the subscription has no handler for', { type: SeatSold.type, version: 1, payload: { seat: 'C' } }, 'no handler for message type cinema.seat-sold'],
    ['another version', { version: 1 }, 'cinema.reserve-seat version 1 is not supported (this consumer reads version 2)'],
    ['a payload that breaks the contract', { payload: { seat: '', row: 'three' } }, 'payload breaks its contract: seat:'],
  ])('when a message has %s, then the batch fails as permanent before any transaction opens', async (_, overrides, reason) => {
    const failure = transport.deliver('cinema.commands', [message('m-6'), message('m-7', overrides)]);

    await expect(failure).rejects.toBeInstanceOf(PermanentMessageError);
    await expect(failure).rejects.toThrow(reason);
    expect(inbox.transactions).toBe(0);
    expect(seen).toEqual([]);
  });

  it('refuses to start when a handler consumes a subscription the service does not declare, naming it', async () => {
    await expect(start([StrayController])).rejects.toThrow(
      "a handler of cinema.seat-sold consumes 'cinema.popcorn', which is not a subscription of the cinema service",
    );
  });

  it('refuses to start when a handler pattern names no subscription', async () => {
    await expect(start([PlainPatternController])).rejects.toThrow(
      'the message handler of cinema.seat-sold must be declared with @EventPattern(...messageFrom(subscription, Contract))',
    );
  });
});
