import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import type { MessageContract, PayloadOf } from '@platform/contracts';
import type { SagaCommand, SagaDefinition } from './saga-definition';
import {
  applyReply,
  applyTimeout,
  cancelSaga,
  type SagaDecision,
  type SagaHistoryEvent,
  type SagaState,
  type SagaStatus,
  type SagaTransition,
  startSaga,
} from './saga-machine';

export interface SagaTestOptions {
  /** Where a command goes (a queue, a service): what `.to(...)` compares with. */
  readonly routeOf?: (contract: MessageContract) => string;
  readonly sagaId?: string;
}

/**
 * A saga's conversation as a test reads it: what it sends, what it is told, how it ends. Each
 * `given…` feeds the pure state machine one event; each `expect…` checks what that event did, and
 * throws, naming what differs, when it did something else.
 *
 *   given(placeOrderSaga, order)
 *     .expectCommand(ReserveStock, { orderId, items }).to('inventory.commands')
 *     .andGivenReply(StockReserved, { orderId, lines })
 *     .expectCommand(ChargePayment, { orderId, customerId, amountCents: 4249 })
 *     .andGivenFailureReply(PaymentRejected, { orderId, reason: 'PAYMENT_DECLINED' })
 *     .expectCommand(ReleaseStock, { orderId })
 *     .expectCompensated({ cancellationReason: 'PAYMENT_DECLINED' });
 */
export function given<Data>(definition: SagaDefinition<Data>, data: Data, options: SagaTestOptions = {}): SagaConversation<Data> {
  const transition = startSaga(definition, options.sagaId ?? '00000000-0000-4000-8000-000000000000', data);
  return new SagaConversation(definition, options, transition, [transition]);
}

export class SagaConversation<Data> {
  /** Commands of the latest event that no expectCommand has claimed yet. */
  private unclaimed: SagaCommand[];
  private lastClaimed: SagaCommand | null = null;

  constructor(
    private readonly definition: SagaDefinition<Data>,
    private readonly options: SagaTestOptions,
    readonly latest: SagaTransition<Data>,
    private readonly transitions: readonly SagaTransition<Data>[],
  ) {
    this.unclaimed = [...latest.commands];
  }

  get state(): SagaState<Data> {
    return this.latest.state;
  }

  /** The next command the latest event sent is this one (with this payload, when given). */
  expectCommand<C extends MessageContract>(contract: C, payload?: PayloadOf<C>): this {
    const next = this.unclaimed.shift();
    if (!next) throw new Error(`expected ${contract.type} to be sent, but ${this.sentSoFar()}`);
    strictEqual(next.contract.type, contract.type, `expected ${contract.type} to be sent next, but ${next.contract.type} was`);
    if (payload !== undefined) deepStrictEqual(next.payload, payload, `${contract.type} was sent with another payload`);
    this.lastClaimed = next;
    return this;
  }

  /** The command just expected goes there (see SagaTestOptions.routeOf). */
  to(destination: string): this {
    if (!this.lastClaimed) throw new Error('to() follows expectCommand()');
    if (!this.options.routeOf) throw new Error('to() needs routeOf in the options of given()');
    strictEqual(this.options.routeOf(this.lastClaimed.contract), destination, `${this.lastClaimed.contract.type} goes elsewhere`);
    return this;
  }

  /** The latest event sent nothing (more than what was already expected). */
  expectNoCommands(): this {
    if (this.unclaimed.length > 0) throw new Error(`expected no more commands, but ${this.sentSoFar()}`);
    return this;
  }

  /** The saga sent nothing more and now waits for a reply to the named step, with a deadline when `timeoutAfterMs` is given. */
  expectWaitingOn(step: string, timeoutAfterMs?: number): this {
    this.expectNoCommands();
    this.expectStatus('RUNNING');
    strictEqual(this.definition.steps[this.state.currentStep]?.name, step, 'the saga waits on another step');
    const deadlines = this.latest.timeouts.map(({ step: name, afterMs }) => ({ step: name, afterMs }));
    deepStrictEqual(deadlines, timeoutAfterMs === undefined ? [] : [{ step, afterMs: timeoutAfterMs }], 'the deadlines set differ');
    return this;
  }

  expectCompleted(data?: Partial<Data>): this {
    return this.expectEnded('COMPLETED', 'completed', data);
  }

  expectCompensated(data?: Partial<Data>): this {
    return this.expectEnded('COMPENSATED', 'compensated', data);
  }

  /** The history the latest event recorded, as `step: event` lines. */
  expectHistory(lines: readonly string[]): this {
    deepStrictEqual(historyLines(this.latest.history), lines, 'the history recorded differs');
    return this;
  }

  /** The history of the whole conversation so far, as `step: event` lines. */
  expectWholeHistory(lines: readonly string[]): this {
    deepStrictEqual(historyLines(this.transitions.flatMap(({ history }) => history)), lines, 'the history recorded differs');
    return this;
  }

  /** A participant's success reply, which the current step must expect. */
  andGivenReply<C extends MessageContract>(contract: C, payload: PayloadOf<C>): SagaConversation<Data> {
    return this.then(applyReply(this.definition, this.state, { type: contract.type, payload }), `the reply ${contract.type}`, 'reply-received');
  }

  /** A participant's failure reply, which the current step must expect as one. */
  andGivenFailureReply<C extends MessageContract>(contract: C, payload: PayloadOf<C>): SagaConversation<Data> {
    return this.then(applyReply(this.definition, this.state, { type: contract.type, payload }), `the failure reply ${contract.type}`, 'failure-reply-received');
  }

  /** A reply that comes after the saga ended: its effect is undone (see onLateReply), and the saga stays as it ended. */
  andGivenLateReply<C extends MessageContract>(contract: C, payload: PayloadOf<C>): SagaConversation<Data> {
    const ended = this.state;
    const next = this.then(applyReply(this.definition, ended, { type: contract.type, payload }), `the late reply ${contract.type}`, 'late-reply-undone');
    deepStrictEqual(next.state, ended, `the late reply ${contract.type} changed the saga`);
    strictEqual(next.latest.outcome, undefined, `the late reply ${contract.type} ended the saga again`);
    return next;
  }

  /** The deadline of the step the saga waits on has passed. */
  andGivenTimeout(): SagaConversation<Data> {
    const stepIndex = this.state.currentStep;
    const step = this.definition.steps[stepIndex]?.name ?? String(stepIndex);
    return this.then(applyTimeout(this.definition, this.state, { step, stepIndex }), `the timeout of ${step}`, 'step-timed-out');
  }

  /** An operator gives up on the saga. */
  andGivenCancel(update: (data: Data) => Data, detail: Record<string, unknown> = {}): SagaConversation<Data> {
    return this.then(cancelSaga(this.definition, this.state, update, detail), 'the cancel', 'cancelled-by-operator');
  }

  /** This reply changes nothing: the saga says why, and that reason is checked when given. */
  expectReplyIgnored<C extends MessageContract>(contract: C, payload: PayloadOf<C>, reason?: string | RegExp): this {
    return this.expectRefused(applyReply(this.definition, this.state, { type: contract.type, payload }), `the reply ${contract.type}`, reason);
  }

  /** The deadline of `step` comes too late: the saga has moved on, so it is stale and changes nothing. */
  expectTimeoutStale(step: string, reason?: string | RegExp): this {
    const stepIndex = this.definition.steps.findIndex(({ name }) => name === step);
    const decision = applyTimeout(this.definition, this.state, { step, stepIndex });
    this.expectRefused(decision, `the timeout of ${step}`, reason);
    if (!decision.applied) strictEqual(decision.stale, true, `the timeout of ${step} was refused, but not as stale`);
    return this;
  }

  expectCancelRefused(reason?: string | RegExp): this {
    return this.expectRefused(cancelSaga(this.definition, this.state, (data) => data, {}), 'the cancel', reason);
  }

  private then(decision: SagaDecision<Data>, what: string, event: SagaHistoryEvent['event']): SagaConversation<Data> {
    this.expectNoCommands();
    if (!decision.applied) throw new Error(`${what} was not applied: ${decision.reason}`);
    const events = decision.transition.history.map(({ event: recorded }) => recorded);
    if (!events.includes(event)) throw new Error(`${what} was taken as something else: ${events.join(', ')}`);
    return new SagaConversation(this.definition, this.options, decision.transition, [...this.transitions, decision.transition]);
  }

  private expectRefused(decision: SagaDecision<Data>, what: string, reason?: string | RegExp): this {
    if (decision.applied) throw new Error(`${what} was applied, sending ${decision.transition.commands.map(({ contract }) => contract.type).join(', ') || 'nothing'}`);
    if (typeof reason === 'string') strictEqual(decision.reason, reason);
    if (reason instanceof RegExp && !reason.test(decision.reason)) throw new Error(`${what} was refused for another reason: ${decision.reason}`);
    return this;
  }

  private expectStatus(status: SagaStatus): void {
    strictEqual(this.state.status, status, `the saga is ${this.state.status}, not ${status}`);
  }

  private expectEnded(status: SagaStatus, outcome: SagaTransition<Data>['outcome'], data?: Partial<Data>): this {
    this.expectNoCommands();
    this.expectStatus(status);
    strictEqual(this.latest.outcome, outcome, `the latest event did not end the saga as ${outcome}`);
    if (data) deepStrictEqual(pick(this.state.data, Object.keys(data)), data, 'the saga ended with other data');
    return this;
  }

  private sentSoFar(): string {
    const left = this.unclaimed.map(({ contract }) => contract.type);
    return left.length > 0 ? `the commands left are ${left.join(', ')}` : 'no command is left';
  }
}

function historyLines(history: readonly SagaHistoryEvent[]): string[] {
  return history.map(({ step, event }) => `${step}: ${event}`);
}

function pick<Data>(data: Data, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, (data as Record<string, unknown>)[key]]));
}
