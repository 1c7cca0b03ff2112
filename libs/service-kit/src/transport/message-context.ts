import { BaseRpcContext } from '@nestjs/microservices';
import type { InboundMessage } from '@platform/messaging';

/**
 * What a message handler gets with `@Ctx()`: the open transaction its work runs in (with the
 * message's inbox row, committed before the broker hears an ack), the message's metadata, and
 * the messages handled in the same transaction (this one among them), for a handler that reads
 * or locks once what the whole batch needs.
 */
export class MessageContext<Tx> extends BaseRpcContext<[Tx, InboundMessage, readonly InboundMessage[]]> {
  get tx(): Tx {
    return this.args[0];
  }

  get message(): InboundMessage {
    return this.args[1];
  }

  get batch(): readonly InboundMessage[] {
    return this.args[2];
  }
}
