import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OrderCompleted, type PayloadOf } from '@platform/contracts';
import { type MessageContext, messageFrom } from '@platform/service-kit';
import { POINTS_CONSUMER_GROUP } from '../points.config';
import type { PointsTransaction } from '../points.database';
import { PointsService } from './points.service';

/** Reads the order log on Kafka; only completed orders earn points. */
@Controller()
export class OrderEventsMessageController {
  constructor(private readonly points: PointsService) {}

  @EventPattern(...messageFrom(POINTS_CONSUMER_GROUP, OrderCompleted))
  async orderCompleted(@Payload() event: PayloadOf<typeof OrderCompleted>, @Ctx() { tx, message }: MessageContext<PointsTransaction>): Promise<void> {
    this.points.credit(tx, event, message);
  }
}
