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
    | 'step-timed-out'
    | 'cancelled-by-operator'
    | 'late-reply-undone'
    | 'saga-completed'
    | 'saga-compensated';
  readonly detail?: Record<string, unknown>;
}

/** A deadline for the step the saga now waits on; it comes back as a SagaTimeout if nothing else came first. */
export interface ScheduledTimeout {
  readonly step: string;
  readonly stepIndex: number;
  readonly afterMs: number;
}

export interface SagaTimeout {
  readonly step: string;
  readonly stepIndex: number;
}

/** What handling one event did: the new state, the commands to send, what to record and schedule. */
export interface SagaTransition<Data> {
  readonly state: SagaState<Data>;
  readonly commands: readonly SagaCommand[];
  readonly history: readonly SagaHistoryEvent[];
  readonly timeouts: readonly ScheduledTimeout[];
  readonly outcome?: 'completed' | 'compensated';
}

export interface SagaReply {
  readonly type: string;
  readonly payload: unknown;
}

export type SagaDecision<Data> =
  | { readonly applied: true; readonly transition: SagaTransition<Data> }
  | { readonly applied: false; readonly reason: string; readonly stale?: true };

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
): SagaDecision<Data> {
  if (state.status === 'COMPENSATED') return undoLateReply(definition, state, reply);
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

/**
 * A step's deadline passed. It matters only if the saga is still waiting on that very step;
 * otherwise the reply won the race and the timeout is stale.
 */
export function applyTimeout<Data>(
  definition: SagaDefinition<Data>,
  state: SagaState<Data>,
  timeout: SagaTimeout,
): SagaDecision<Data> {
  const step = definition.steps[timeout.stepIndex];
  if (state.status !== 'RUNNING' || state.currentStep !== timeout.stepIndex || step?.name !== timeout.step || !step.timeout) {
    return {
      applied: false,
      stale: true,
      reason: `timeout of step ${timeout.step} is stale: saga is ${state.status} at step ${state.currentStep}`,
    };
  }
  const updated: SagaState<Data> = { ...state, data: step.timeout.update(state.data) };
  const timedOut: SagaHistoryEvent = { step: step.name, event: 'step-timed-out', detail: { afterMs: step.timeout.afterMs } };
  return { applied: true, transition: compensate(definition, updated, timeout.stepIndex - 1, [timedOut]) };
}

/**
 * An operator gives up on a saga that waits for a reply which will not come (dead-lettered, say).
 * Nobody knows whether the step it waits on took effect, so its compensation is sent too, with
 * those of the steps before it; compensations do nothing where there is nothing to undo. Should
 * the reply still come, the saga is compensated by then and the definition's late-reply handler
 * undoes it.
 */
export function cancelSaga<Data>(
  definition: SagaDefinition<Data>,
  state: SagaState<Data>,
  update: (data: Data) => Data,
  detail: Record<string, unknown>,
): SagaDecision<Data> {
  if (state.status !== 'RUNNING') return { applied: false, reason: `saga is ${state.status}; only a running saga can be cancelled` };
  const step = definition.steps[state.currentStep];
  const cancelled: SagaHistoryEvent = { step: step.name, event: 'cancelled-by-operator', detail };
  return { applied: true, transition: compensate(definition, { ...state, data: update(state.data) }, state.currentStep, [cancelled]) };
}

/** After the saga was compensated, a reply that still did something is undone, as the definition says. */
function undoLateReply<Data>(definition: SagaDefinition<Data>, state: SagaState<Data>, reply: SagaReply): SagaDecision<Data> {
  const step = definition.steps.find((candidate) => candidate.lateReplies.has(reply.type));
  const handler = step?.lateReplies.get(reply.type);
  if (!step || !handler) return { applied: false, reason: `saga is ${state.status}; ${reply.type} changes nothing` };
  const undo = handler.undo(state.data, reply.payload as never);
  if (!undo) return { applied: false, reason: `saga is ${state.status}; ${reply.type} has nothing to undo` };
  return {
    applied: true,
    transition: {
      state,
      commands: [undo],
      history: [{ step: step.name, event: 'late-reply-undone', detail: { type: reply.type, undo: undo.contract.type } }],
      timeouts: [],
    },
  };
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
      const timeouts = step.timeout ? [{ step: step.name, stepIndex: index, afterMs: step.timeout.afterMs }] : [];
      return { state: { ...state, status: 'RUNNING', currentStep: index }, commands, history, timeouts };
    }
  }
  const last = definition.steps.length - 1;
  history.push({ step: definition.steps[last]?.name ?? 'start', event: 'saga-completed' });
  return { state: { ...state, status: 'COMPLETED', currentStep: last }, commands, history, timeouts: [], outcome: 'completed' };
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
  return { state: { ...state, status: 'COMPENSATED' }, commands, history, timeouts: [], outcome: 'compensated' };
}
