import type { SagaCommand, SagaDefinition } from './saga-definition';
import { applyReply, type SagaHistoryEvent, type SagaReply, type SagaState, startSaga, type SagaTransition } from './saga-machine';

/** Where saga instances live. `lockForUpdate` must block other transactions on the same saga. */
export interface SagaStore<Tx> {
  insert(tx: Tx, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void>;
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

/** What the owning service does when its saga ends, in the same transaction. */
export interface SagaEndings<Data, Tx> {
  completed(tx: Tx, state: SagaState<Data>): Promise<void>;
  compensated(tx: Tx, state: SagaState<Data>): Promise<void>;
}

export interface ReplyEnvelope extends SagaReply {
  readonly sagaId: string;
  readonly messageId: string;
}

/**
 * Runs a saga definition: stores each transition, sends its commands, and calls the service's
 * endings, all in the caller's transaction. The saga row is locked while a reply is applied, so
 * two replies for one saga are applied one after the other, and a reply the current state does
 * not expect (a duplicate, a stale or a late one) changes nothing.
 */
export class SagaOrchestrator<Data, Tx> {
  constructor(
    private readonly definition: SagaDefinition<Data>,
    private readonly store: SagaStore<Tx>,
    private readonly send: SagaCommandSender<Tx>,
    private readonly endings: SagaEndings<Data, Tx>,
  ) {}

  async start(tx: Tx, sagaId: string, data: Data): Promise<SagaState<Data>> {
    const transition = startSaga(this.definition, sagaId, data);
    await this.store.insert(tx, transition.state, transition.history);
    await this.carryOut(tx, transition);
    return transition.state;
  }

  async handleReply(tx: Tx, reply: ReplyEnvelope): Promise<{ applied: boolean; reason?: string }> {
    const state = (await this.store.lockForUpdate(tx, reply.sagaId)) as SagaState<Data> | null;
    if (!state) return { applied: false, reason: `no saga ${reply.sagaId}` };
    if (state.sagaType !== this.definition.type) {
      return { applied: false, reason: `saga ${reply.sagaId} is a ${state.sagaType}, not a ${this.definition.type}` };
    }
    const decision = applyReply(this.definition, state, reply);
    if (!decision.applied) return { applied: false, reason: decision.reason };
    await this.store.update(tx, decision.transition.state, decision.transition.history);
    await this.carryOut(tx, decision.transition, reply.messageId);
    return { applied: true };
  }

  private async carryOut(tx: Tx, transition: SagaTransition<Data>, causationId?: string): Promise<void> {
    await this.send(tx, transition.state.sagaId, transition.commands, causationId);
    if (transition.outcome === 'completed') await this.endings.completed(tx, transition.state);
    if (transition.outcome === 'compensated') await this.endings.compensated(tx, transition.state);
  }
}
