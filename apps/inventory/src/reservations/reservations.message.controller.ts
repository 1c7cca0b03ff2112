import { CommitStock, type PayloadOf, ReleaseStock, ReserveStock } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { MessageConsumer, type MessageContext, OnMessage } from '@platform/service-kit';
import type { InventoryTransaction } from '../inventory.database';
import { ReservationsService } from './reservations.service';

type Context = MessageContext<InventoryTransaction>;

/** The inventory side of the place-order saga: commands in, replies out through the outbox. */
@MessageConsumer(Queues.inventoryCommands)
export class ReservationsMessageController {
  constructor(private readonly reservations: ReservationsService) {}

  @OnMessage(ReserveStock)
  reserveStock(command: PayloadOf<typeof ReserveStock>, { tx, message, batch }: Context): Promise<void> {
    return this.reservations.reserve(tx, command, message, batch);
  }

  @OnMessage(ReleaseStock)
  releaseStock(command: PayloadOf<typeof ReleaseStock>, { tx, message, batch }: Context): Promise<void> {
    return this.reservations.release(tx, command.orderId, message, batch);
  }

  @OnMessage(CommitStock)
  commitStock(command: PayloadOf<typeof CommitStock>, { tx, message, batch }: Context): Promise<void> {
    return this.reservations.commit(tx, command.orderId, message, batch);
  }
}
