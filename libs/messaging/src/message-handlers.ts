import type { MessageContract, PayloadOf } from '@platform/contracts';
import { PermanentMessageError } from './errors';
import type { InboundMessage } from './message';

export type ContractHandler<C extends MessageContract, Context> = (
  payload: PayloadOf<C>,
  context: Context,
) => Promise<void>;

interface Registration<Context> {
  readonly contract: MessageContract;
  readonly handler: ContractHandler<MessageContract, Context>;
}

/**
 * Maps message types to handlers and checks each message against its contract before a handler
 * sees it: an unknown type, an unsupported version or a payload that breaks the contract is a
 * PermanentMessageError (dead-lettered), never a crash inside business code.
 */
export class MessageHandlers<Context> {
  private readonly byType = new Map<string, Registration<Context>>();

  on<C extends MessageContract>(contract: C, handler: ContractHandler<C, Context>): this {
    if (this.byType.has(contract.type)) throw new Error(`two handlers for ${contract.type}`);
    this.byType.set(contract.type, { contract, handler: handler as ContractHandler<MessageContract, Context> });
    return this;
  }

  handles(type: string): boolean {
    return this.byType.has(type);
  }

  /** Validates the message and returns the call that handles it, to run wherever the caller likes. */
  prepare(message: InboundMessage): (context: Context) => Promise<void> {
    const registration = this.byType.get(message.type);
    if (!registration) throw new PermanentMessageError(`no handler for message type ${message.type}`);
    const { contract, handler } = registration;
    if (message.version !== contract.version) {
      throw new PermanentMessageError(
        `${message.type} version ${message.version} is not supported (this consumer reads version ${contract.version})`,
      );
    }
    const parsed = contract.schema.safeParse(message.payload);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
      throw new PermanentMessageError(`${message.type} payload breaks its contract: ${problems.join('; ')}`);
    }
    return (context) => handler(parsed.data, context);
  }
}
