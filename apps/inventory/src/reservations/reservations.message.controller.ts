import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CommitStock, type PayloadOf, ReleaseStock, ReserveStock } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { type MessageContext, messageFrom, type ParticipantOutcome } from '@platform/service-kit';
import type { InventoryTransaction } from '../inventory.database';
import { ReservationsService } from './reservations.service';

type Context = MessageContext<InventoryTransaction>;

/** The inventory side of the place-order saga: commands in; the outcome each returns goes out through the outbox. */
@Controller()
export class ReservationsMessageController {
  constructor(private readonly reservations: ReservationsService) {}

  @EventPattern(...messageFrom(Queues.inventoryCommands, ReserveStock))
  reserveStock(@Payload() command: PayloadOf<typeof ReserveStock>, @Ctx() { tx, batch }: Context): Promise<ParticipantOutcome> {
    return this.reservations.reserve(tx, command, batch);
  }

  @EventPattern(...messageFrom(Queues.inventoryCommands, ReleaseStock))
  releaseStock(@Payload() command: PayloadOf<typeof ReleaseStock>, @Ctx() { tx, batch }: Context): Promise<ParticipantOutcome> {
    return this.reservations.release(tx, command.orderId, batch);
  }

  @EventPattern(...messageFrom(Queues.inventoryCommands, CommitStock))
  commitStock(@Payload() command: PayloadOf<typeof CommitStock>, @Ctx() { tx, batch }: Context): Promise<ParticipantOutcome> {
    return this.reservations.commit(tx, command.orderId, batch);
  }
}
