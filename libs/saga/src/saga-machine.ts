import type { SagaCommand, SagaDefinition } from './saga-definition';

export type SagaStatus = 'RUNNING' | 'COMPLETED' | 'COMPENSATED';

/** A saga instance as stored: plain data, so it survives any restart. */
export interface SagaState<Data> {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly status: SagaStatus;
  /** The step whose reply the saga waits for (or the last one run). */
  readonly currentStep: number;
  readonly data: Data;
}

export interface SagaHistoryEvent {
  readonly step: string;
  readonly event:
    | 'command-sent'
    | 'participant-notified'
    | 'reply-received'
    | 'failure-reply-received'
    | 'compensation-sent'
    | 'saga-completed'
    | 'saga-compensated';
  readonly detail?: Record<string, unknown>;
}

/** What handling one event did: the new state, the commands to send, and what to record. */
export interface SagaTransition<Data> {
  readonly state: SagaState<Data>;
  readonly commands: readonly SagaCommand[];
  readonly history: readonly SagaHistoryEvent[];
  readonly outcome?: 'completed' | 'compensated';
}

export interface SagaReply {
  readonly type: string;
  readonly payload: unknown;
}

export type ReplyDecision<Data> =
  | { readonly applied: true; readonly transition: SagaTransition<Data> }
  | { readonly applied: false; readonly reason: string };

/**
 * The saga's rules as pure functions: given a state and an event, what happens next. No I/O, so
 * every transition can be tested as a script, and the orchestrator only stores and sends.
 */
export function startSaga<Data>(definition: SagaDefinition<Data>, sagaId: string, data: Data): SagaTransition<Data> {
  const initial: SagaState<Data> = { sagaId, sagaType: definition.type, status: 'RUNNING', currentStep: 0, data };
  return runForward(definition, initial, 0, []);
}

export function applyReply<Data>(
  definition: SagaDefinition<Data>,
  state: SagaState<Data>,
  reply: SagaReply,
): ReplyDecision<Data> {
  if (state.status !== 'RUNNING') {
    return { applied: false, reason: `saga is ${state.status}; ${reply.type} changes nothing` };
  }
  const step = definition.steps[state.currentStep];
  const handler = step?.replies.get(reply.type);
  if (!step || !handler) {
    return { applied: false, reason: `step ${step?.name ?? state.currentStep} does not expect ${reply.type}` };
  }
  const data = handler.update(state.data, reply.payload as never);
  const updated: SagaState<Data> = { ...state, data };
  if (handler.kind === 'success') {
    const received: SagaHistoryEvent = { step: step.name, event: 'reply-received', detail: { type: reply.type } };
    return { applied: true, transition: runForward(definition, updated, state.currentStep + 1, [received]) };
  }
  const failed: SagaHistoryEvent = { step: step.name, event: 'failure-reply-received', detail: { type: reply.type } };
  return { applied: true, transition: compensate(definition, updated, state.currentStep - 1, [failed]) };
}

/** Runs steps from `from` until one must wait for a reply, or the saga is complete. */
function runForward<Data>(
  definition: SagaDefinition<Data>,
  state: SagaState<Data>,
  from: number,
  history: SagaHistoryEvent[],
): SagaTransition<Data> {
  const commands: SagaCommand[] = [];
  for (let index = from; index < definition.steps.length; index += 1) {
    const step = definition.steps[index];
    if (step.notify) {
      const sent = step.notify(state.data);
      commands.push(sent);
      history.push({ step: step.name, event: 'participant-notified', detail: { type: sent.contract.type } });
    }
    if (step.invoke) {
      const sent = step.invoke(state.data);
      commands.push(sent);
      history.push({ step: step.name, event: 'command-sent', detail: { type: sent.contract.type } });
      return { state: { ...state, status: 'RUNNING', currentStep: index }, commands, history };
    }
  }
  const last = definition.steps.length - 1;
  history.push({ step: definition.steps[last]?.name ?? 'start', event: 'saga-completed' });
  return { state: { ...state, status: 'COMPLETED', currentStep: last }, commands, history, outcome: 'completed' };
}

/** Sends the compensations of the steps that had succeeded, newest first. */
function compensate<Data>(
  definition: SagaDefinition<Data>,
  state: SagaState<Data>,
  from: number,
  history: SagaHistoryEvent[],
): SagaTransition<Data> {
  const commands: SagaCommand[] = [];
  for (let index = from; index >= 0; index -= 1) {
    const step = definition.steps[index];
    if (!step.compensation) continue;
    const sent = step.compensation(state.data);
    commands.push(sent);
    history.push({ step: step.name, event: 'compensation-sent', detail: { type: sent.contract.type } });
  }
  history.push({ step: definition.steps[state.currentStep].name, event: 'saga-compensated' });
  return { state: { ...state, status: 'COMPENSATED' }, commands, history, outcome: 'compensated' };
}
