import type { SagaCommand, SagaDefinition } from './saga-definition';
import {
  applyReply,
  applyTimeout,
  cancelSaga,
  type SagaDecision,
  type SagaHistoryEvent,
  type SagaReply,
  type SagaState,
  type SagaTimeout,
  type SagaTransition,
  type ScheduledTimeout,
  startSaga,
} from './saga-machine';

/**
 * Where saga instances live. `lockForUpdate` must block other transactions on the same saga;
 * `lockAll` takes those locks for many sagas at once, in an order every caller shares, and a later
 * `lockForUpdate` of one of them in the same transaction answers from what it read.
 */
export interface SagaStore<Tx> {
  insert(tx: Tx, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void>;
  lockAll(tx: Tx, sagaIds: readonly string[]): Promise<void>;
  lockForUpdate(tx: Tx, sagaId: string): Promise<SagaState<unknown> | null>;
  update(tx: Tx, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void>;
}

/** Sends commands to participants, inside the same transaction (an outbox). */
export type SagaCommandSender<Tx> = (
  tx: Tx,
  sagaId: string,
  commands: readonly SagaCommand[],
  causationId?: string,
) => Promise<void>;

/** Schedules deadlines (a delayed message), inside the same transaction. */
export type SagaTimeoutScheduler<Tx> = (tx: Tx, sagaId: string, timeouts: readonly ScheduledTimeout[]) => Promise<void>;

/** What the owning service does when its saga ends, in the same transaction. */
export interface SagaEndings<Data, Tx> {
  completed(tx: Tx, state: SagaState<Data>): Promise<void>;
  compensated(tx: Tx, state: SagaState<Data>): Promise<void>;
}

export interface ReplyEnvelope extends SagaReply {
  readonly sagaId: string;
  readonly messageId: string;
}

export interface TimeoutEnvelope extends SagaTimeout {
  readonly sagaId: string;
  readonly messageId: string;
}

/** `stale`: a timeout for a step the saga has moved past, as every answered step's timeout is in the end. */
export type HandleResult = { applied: true } | { applied: false; reason: string; unknownSaga?: true; stale?: true };

/**
 * Runs a saga definition: stores each transition, sends its commands, and calls the service's
 * endings, all in the caller's transaction. The saga row is locked while a reply is applied, so
 * two replies for one saga are applied one after the other, and a reply the current state does
 * not expect (a duplicate, a stale or a late one) changes nothing.
 */
export class SagaOrchestrator<Data, Tx> {
  private readonly store: SagaStore<Tx>;
  private readonly send: SagaCommandSender<Tx>;
  private readonly schedule: SagaTimeoutScheduler<Tx>;
  private readonly endings: SagaEndings<Data, Tx>;

  constructor(
    private readonly definition: SagaDefinition<Data>,
    ports: {
      store: SagaStore<Tx>;
      send: SagaCommandSender<Tx>;
      schedule: SagaTimeoutScheduler<Tx>;
      endings: SagaEndings<Data, Tx>;
    },
  ) {
    ({ store: this.store, send: this.send, schedule: this.schedule, endings: this.endings } = ports);
  }

  /** Stores a new saga and carries out its first step; returns what that step did. */
  async start(tx: Tx, sagaId: string, data: Data): Promise<SagaTransition<Data>> {
    const transition = startSaga(this.definition, sagaId, data);
    await this.store.insert(tx, transition.state, transition.history);
    await this.carryOut(tx, transition);
    return transition;
  }

  /**
   * Locks the sagas a batch of replies and timeouts is about to touch, in one round trip. Taken in
   * one shared order, the locks also keep two batches from waiting on each other in a cycle.
   */
  lock(tx: Tx, sagaIds: readonly string[]): Promise<void> {
    return this.store.lockAll(tx, sagaIds);
  }

  handleReply(tx: Tx, reply: ReplyEnvelope): Promise<HandleResult> {
    return this.decide(tx, reply.sagaId, reply.messageId, (state) => applyReply(this.definition, state, reply));
  }

  handleTimeout(tx: Tx, timeout: TimeoutEnvelope): Promise<HandleResult> {
    return this.decide(tx, timeout.sagaId, timeout.messageId, (state) => applyTimeout(this.definition, state, timeout));
  }

  /** An operator's cancel of a saga stuck on a step; see cancelSaga. */
  cancel(tx: Tx, sagaId: string, update: (data: Data) => Data, detail: Record<string, unknown>): Promise<HandleResult> {
    return this.decide(tx, sagaId, undefined, (state) => cancelSaga(this.definition, state, update, detail));
  }

  private async decide(
    tx: Tx,
    sagaId: string,
    causationId: string | undefined,
    decide: (state: SagaState<Data>) => SagaDecision<Data>,
  ): Promise<HandleResult> {
    const state = (await this.store.lockForUpdate(tx, sagaId)) as SagaState<Data> | null;
    if (!state) return { applied: false, reason: `no saga ${sagaId}`, unknownSaga: true };
    if (state.sagaType !== this.definition.type) {
      return { applied: false, reason: `saga ${sagaId} is a ${state.sagaType}, not a ${this.definition.type}` };
    }
    const decision = decide(state);
    if (!decision.applied) return { applied: false, reason: decision.reason, stale: decision.stale };
    await this.store.update(tx, decision.transition.state, decision.transition.history);
    await this.carryOut(tx, decision.transition, causationId);
    return { applied: true };
  }

  private async carryOut(tx: Tx, transition: SagaTransition<Data>, causationId?: string): Promise<void> {
    await this.send(tx, transition.state.sagaId, transition.commands, causationId);
    if (transition.timeouts.length > 0) await this.schedule(tx, transition.state.sagaId, transition.timeouts);
    if (transition.outcome === 'completed') await this.endings.completed(tx, transition.state);
    if (transition.outcome === 'compensated') await this.endings.compensated(tx, transition.state);
  }
}
