import { Controller, type INestApplication } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { defineMessage, type PayloadOf } from '@platform/contracts';
import type { SqlTransaction } from '@platform/database';
import type { IdempotentConsumer, InboxEntry } from '@platform/idempotency';
import { type InboundMessage, PermanentMessageError, Routes } from '@platform/messaging';
import { PlatformMetrics } from '@platform/observability';
import type { OutboxWriter, OutgoingMessage } from '@platform/outbox';
import pino from 'pino';
import { z } from 'zod';
import { BatchTransport, type BatchTransportOptions } from './batch-transport';
import { startMessageTransports } from './connect-transports';
import type { MessageContext } from './message-context';
import { messageFrom } from './message-pattern';
import { noReply, withFailure, withSuccess } from '../participant-outcome';

const ReserveSeat = defineMessage('cinema.reserve-seat', 2, z.object({ seat: z.string().min(1), row: z.number().int() }));
const SeatSold = defineMessage('cinema.seat-sold', 1, z.object({ seat: z.string() }));
const SellTicket = defineMessage('cinema.sell-ticket', 1, z.object({ seat: z.string() }));
const TicketSold = defineMessage('cinema.ticket-sold', 1, z.object({ seat: z.string(), priceCents: z.number().int() }));
const TicketRefused = defineMessage('cinema.ticket-refused', 1, z.object({ seat: z.string(), reason: z.string() }));

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
class TicketDeskController {
  @EventPattern(...messageFrom('cinema.commands', SellTicket))
  sell(@Payload() { seat }: PayloadOf<typeof SellTicket>) {
    if (seat === 'Z') return withFailure(TicketRefused, { seat, reason: 'no such seat' });
    if (seat === 'gone') return noReply();
    if (seat === 'odd') return { seat };
    return withSuccess(TicketSold, { seat, priceCents: 900 }).andLogged(Routes.orderEventLog('c-1')).andEvent(SeatSold, { seat }, Routes.orderEventLog('c-1'));
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

const appended: { tx: SqlTransaction; messages: readonly OutgoingMessage[] }[] = [];
const outbox = { append: (tx: SqlTransaction, messages: readonly OutgoingMessage[]) => appended.push({ tx, messages }) };

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

const CARRIED = new Map([
  ['cinema.commands', new Set([ReserveSeat.type, SellTicket.type])],
  ['cinema.audit', new Set([ReserveSeat.type, SeatSold.type])],
]);

const metrics = new PlatformMetrics('cinema');
/** What the transport logs at warn and above, parsed. */
const failuresLogged: unknown[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void failuresLogged.push(JSON.parse(line)) });

async function start(controllers: (new () => object)[], carried: ReadonlyMap<string, ReadonlySet<string>> = CARRIED) {
  const module = await Test.createTestingModule({ controllers }).compile();
  const app = module.createNestApplication({ logger: false });
  const transport = new TestTransport({
    service: 'cinema',
    carried,
    inbox: inbox as unknown as IdempotentConsumer,
    outbox: outbox as unknown as OutboxWriter,
    logger,
    metrics,
  });
  await startMessageTransports(app, [transport]);
  return { app, transport };
}

/** The count of message_handler_seconds for one source, type and result. */
async function handlerRuns(type: string, result: 'ok' | 'failed'): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((candidate) => candidate.startsWith('message_handler_seconds_count') && candidate.includes(`type="${type}"`) && candidate.includes(`result="${result}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('the platform transports, through Nest', () => {
  let app: INestApplication;
  let transport: TestTransport;

  beforeAll(async () => ({ app, transport } = await start([BoxOfficeController, TicketDeskController])));
  afterAll(() => app.close());
  beforeEach(() => {
    seen.splice(0);
    appended.splice(0);
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

  it('when handlers run, then each is timed and counted by result, and a failure is logged with the message it was handling', async () => {
    const [okBefore, failedBefore] = [await handlerRuns(ReserveSeat.type, 'ok'), await handlerRuns(ReserveSeat.type, 'failed')];
    failuresLogged.splice(0);

    await transport.deliver('cinema.commands', [message('m-11'), message('m-12')]);
    await expect(transport.deliver('cinema.commands', [message('m-13', { payload: { seat: 'broken', row: 1 } })])).rejects.toThrow();

    expect(await handlerRuns(ReserveSeat.type, 'ok')).toBe(okBefore + 2);
    expect(await handlerRuns(ReserveSeat.type, 'failed')).toBe(failedBefore + 1);
    expect(failuresLogged).toEqual([
      expect.objectContaining({ messageId: 'm-13', type: ReserveSeat.type, source: 'cinema.commands', err: expect.stringContaining('seat broken does not exist') }),
    ]);
  });

  it("when a participant returns its outcome, then the reply goes to the command's reply-to and the events to their logs, in the batch's transaction", async () => {
    const sell = (messageId: string, seat: string) =>
      message(messageId, { type: SellTicket.type, version: 1, replyTo: 'cinema.saga-replies', payload: { seat } });

    await transport.deliver('cinema.commands', [sell('m-8', 'A1'), sell('m-9', 'Z'), sell('m-10', 'gone')]);

    const written = appended.map(({ tx, messages }) => ({
      tx,
      messages: messages.map(({ contract, payload, destination, causationId, correlationId }) => ({
        type: contract.type,
        payload,
        destination,
        causationId,
        correlationId,
      })),
    }));
    expect(written).toEqual([
      {
        tx: TX,
        messages: [
          { type: TicketSold.type, payload: { seat: 'A1', priceCents: 900 }, destination: Routes.sagaReply('cinema.saga-replies'), causationId: 'm-8', correlationId: 'c-1' },
          { type: TicketSold.type, payload: { seat: 'A1', priceCents: 900 }, destination: Routes.orderEventLog('c-1'), causationId: 'm-8', correlationId: 'c-1' },
          { type: SeatSold.type, payload: { seat: 'A1' }, destination: Routes.orderEventLog('c-1'), causationId: 'm-8', correlationId: 'c-1' },
        ],
      },
      {
        tx: TX,
        messages: [
          { type: TicketRefused.type, payload: { seat: 'Z', reason: 'no such seat' }, destination: Routes.sagaReply('cinema.saga-replies'), causationId: 'm-9', correlationId: 'c-1' },
        ],
      },
      { tx: TX, messages: [] },
    ]);
  });

  it('when a handler returns anything but an outcome, then the message fails rather than its reply being dropped', async () => {
    const odd = message('m-11', { type: SellTicket.type, version: 1, replyTo: 'cinema.saga-replies', payload: { seat: 'odd' } });

    await expect(transport.deliver('cinema.commands', [odd])).rejects.toThrow(
      'the handler of cinema.sell-ticket returned something other than a ParticipantOutcome',
    );
    expect(appended).toEqual([]);
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

  it('refuses to start when a handler waits for a type the topology never brings to its subscription, naming it', async () => {
    const withoutSellTicket = new Map([...CARRIED, ['cinema.commands', new Set([ReserveSeat.type])]]);

    await expect(start([BoxOfficeController, TicketDeskController], withoutSellTicket)).rejects.toThrow(
      "the handler of cinema.sell-ticket on 'cinema.commands' would never be called: the topology brings no cinema.sell-ticket there",
    );
  });

  it('refuses to start when a handler pattern names no subscription', async () => {
    await expect(start([PlainPatternController])).rejects.toThrow(
      'the message handler of cinema.seat-sold must be declared with @EventPattern(...messageFrom(subscription, Contract))',
    );
  });
});
