import type { MessageContract, PayloadOf } from '@platform/contracts';

/** A command the saga sends to a participant. */
export interface SagaCommand {
  readonly contract: MessageContract;
  readonly payload: unknown;
}

export function command<C extends MessageContract>(contract: C, payload: PayloadOf<C>): SagaCommand {
  return { contract, payload };
}

type DataUpdate<Data> = (data: Data, reply: never) => Data;

export interface ReplyHandler<Data> {
  readonly contract: MessageContract;
  /** Success replies move the saga forward; failure replies make it compensate. */
  readonly kind: 'success' | 'failure';
  readonly update: DataUpdate<Data>;
}

/** What happens when a step waits too long: the step counts as failed, with this change to the data. */
export interface StepTimeout<Data> {
  readonly afterMs: number;
  readonly update: (data: Data) => Data;
}

/**
 * A reply that arrives after the saga has ended, and the command that undoes its effect (e.g. a
 * charge confirmed after the payment timed out is refunded); undefined when there is nothing to undo.
 */
export interface LateReplyHandler<Data> {
  readonly contract: MessageContract;
  readonly undo: (data: Data, reply: never) => SagaCommand | undefined;
}

export interface SagaStep<Data> {
  readonly name: string;
  /** Sends a command and waits for one of `replies` before the saga moves on. */
  readonly invoke?: (data: Data) => SagaCommand;
  /** Sends a command and moves on at once: for participants that only need to be told. */
  readonly notify?: (data: Data) => SagaCommand;
  readonly replies: ReadonlyMap<string, ReplyHandler<Data>>;
  /** Undoes this step's effect when a later step fails. */
  readonly compensation?: (data: Data) => SagaCommand;
  readonly timeout?: StepTimeout<Data>;
  readonly lateReplies: ReadonlyMap<string, LateReplyHandler<Data>>;
}

export interface SagaDefinition<Data> {
  readonly type: string;
  readonly steps: readonly SagaStep<Data>[];
}

/**
 * Declares a saga as an ordered list of steps, read top to bottom:
 *
 *   defineSaga<Data>('place-order')
 *     .step('reserve-stock')
 *       .invokeParticipant((data) => command(ReserveStock, ...))
 *       .onReply(StockReserved, (data, reply) => ...)
 *       .onFailureReply(StockReservationRejected, (data, reply) => ...)
 *       .withCompensation((data) => command(ReleaseStock, ...))
 *     .step('charge-payment')
 *       ...
 *       .timeoutAfter(30_000, (data) => ...)
 *       .onLateReply(PaymentCharged, (data) => command(RefundPayment, ...))
 *     .build();
 */
export function defineSaga<Data>(type: string): SagaBuilder<Data> {
  return new SagaBuilder<Data>(type, []);
}

interface MutableStep<Data> {
  name: string;
  invoke?: (data: Data) => SagaCommand;
  notify?: (data: Data) => SagaCommand;
  replies: Map<string, ReplyHandler<Data>>;
  compensation?: (data: Data) => SagaCommand;
  timeout?: StepTimeout<Data>;
  lateReplies: Map<string, LateReplyHandler<Data>>;
}

export class SagaBuilder<Data> {
  constructor(
    protected readonly type: string,
    protected readonly steps: MutableStep<Data>[],
  ) {}

  step(name: string): StepBuilder<Data> {
    if (this.steps.some((step) => step.name === name)) throw new Error(`step ${name} is declared twice`);
    const step: MutableStep<Data> = { name, replies: new Map(), lateReplies: new Map() };
    this.steps.push(step);
    return new StepBuilder<Data>(this.type, this.steps, step);
  }

  build(): SagaDefinition<Data> {
    for (const step of this.steps) {
      if (step.invoke && step.replies.size === 0) throw new Error(`step ${step.name} invokes a participant but handles no reply`);
      if (!step.invoke && step.replies.size > 0) throw new Error(`step ${step.name} handles replies but sends no command`);
      if (!step.invoke && step.timeout) throw new Error(`step ${step.name} has a timeout but waits for no reply`);
    }
    return { type: this.type, steps: this.steps };
  }
}

export class StepBuilder<Data> extends SagaBuilder<Data> {
  constructor(
    type: string,
    steps: MutableStep<Data>[],
    private readonly current: MutableStep<Data>,
  ) {
    super(type, steps);
  }

  invokeParticipant(send: (data: Data) => SagaCommand): this {
    this.current.invoke = send;
    return this;
  }

  notifyParticipant(send: (data: Data) => SagaCommand): this {
    this.current.notify = send;
    return this;
  }

  onReply<C extends MessageContract>(contract: C, update: (data: Data, reply: PayloadOf<C>) => Data): this {
    return this.addReply(contract, 'success', update);
  }

  onFailureReply<C extends MessageContract>(contract: C, update: (data: Data, reply: PayloadOf<C>) => Data): this {
    return this.addReply(contract, 'failure', update);
  }

  withCompensation(compensate: (data: Data) => SagaCommand): this {
    this.current.compensation = compensate;
    return this;
  }

  /** If no reply arrives within `afterMs`, the step fails and the saga compensates. */
  timeoutAfter(afterMs: number, update: (data: Data) => Data): this {
    if (!Number.isInteger(afterMs) || afterMs <= 0) throw new Error(`step ${this.current.name}: timeout must be > 0 ms`);
    this.current.timeout = { afterMs, update };
    return this;
  }

  onLateReply<C extends MessageContract>(contract: C, undo: (data: Data, reply: PayloadOf<C>) => SagaCommand | undefined): this {
    this.current.lateReplies.set(contract.type, { contract, undo: undo as LateReplyHandler<Data>['undo'] });
    return this;
  }

  private addReply<C extends MessageContract>(
    contract: C,
    kind: 'success' | 'failure',
    update: (data: Data, reply: PayloadOf<C>) => Data,
  ): this {
    this.current.replies.set(contract.type, { contract, kind, update: update as DataUpdate<Data> });
    return this;
  }
}
