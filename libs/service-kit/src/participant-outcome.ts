import type { MessageContract, PayloadOf } from '@platform/contracts';
import type { Destination, InboundMessage } from '@platform/messaging';
import type { OutgoingMessage } from '@platform/outbox';
import { eventOnLog } from './event-log';
import { replyTo } from './saga-participant';

interface Fact {
  readonly contract: MessageContract;
  readonly payload: unknown;
}

interface LoggedFact extends Fact {
  readonly destination: Destination;
}

/**
 * What a saga participant's handler returns: its reply to the command, if any, and the events it
 * logs. The transport writes them to the outbox in the handler's transaction, the reply routed
 * to the command's reply-to and every message caused by the command, so a participant never
 * builds an envelope or knows who orchestrates it:
 *
 *   return withSuccess(StockReserved, { orderId, lines }).andLogged(Routes.inventoryEventLog(orderId));
 *   return withFailure(StockReservationRejected, { orderId, reason, skus }).andLogged(...);
 *   return noReply().andEvent(StockReleased, { orderId, lines }, Routes.inventoryEventLog(orderId));
 */
export class ParticipantOutcome {
  constructor(
    private readonly reply: Fact | null,
    private readonly events: readonly LoggedFact[] = [],
  ) {}

  /** The reply, as it is, also goes to the participant's event log. */
  andLogged(destination: Destination): ParticipantOutcome {
    if (!this.reply) throw new Error('andLogged() logs the reply, and this outcome has none: use andEvent()');
    return new ParticipantOutcome(this.reply, [...this.events, { ...this.reply, destination }]);
  }

  andEvent<C extends MessageContract>(contract: C, payload: PayloadOf<C>, destination: Destination): ParticipantOutcome {
    return new ParticipantOutcome(this.reply, [...this.events, { contract, payload, destination }]);
  }

  /** The outbox rows, in order: the reply first, then the events, each caused by the command. */
  messagesFor(command: InboundMessage): OutgoingMessage[] {
    const reply = this.reply ? [replyTo(command, this.reply.contract, this.reply.payload)] : [];
    return [...reply, ...this.events.map(({ contract, payload, destination }) => eventOnLog(command, contract, payload, destination))];
  }
}

/*
 * Success and failure are told apart by the reply's own type (StockReserved against
 * StockReservationRejected), which is what the saga reads; the two names are for the reader.
 */

/** The command did what it asked; the reply says what came of it. */
export function withSuccess<C extends MessageContract>(contract: C, payload: PayloadOf<C>): ParticipantOutcome {
  return new ParticipantOutcome({ contract, payload });
}

/** The command could not be done; the reply says why, and the saga compensates. */
export function withFailure<C extends MessageContract>(contract: C, payload: PayloadOf<C>): ParticipantOutcome {
  return new ParticipantOutcome({ contract, payload });
}

/** Nothing to answer (a compensation, or a command the saga has moved past); events may still be logged. */
export function noReply(): ParticipantOutcome {
  return new ParticipantOutcome(null);
}
