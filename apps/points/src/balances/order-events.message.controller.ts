import { OrderCompleted, type PayloadOf } from '@platform/contracts';
import { MessageConsumer, type MessageContext, OnMessage } from '@platform/service-kit';
import { POINTS_CONSUMER_GROUP } from '../points.config';
import type { PointsTransaction } from '../points.database';
import { PointsService } from './points.service';

/** Reads the order log on Kafka; only completed orders earn points. */
@MessageConsumer(POINTS_CONSUMER_GROUP)
export class OrderEventsMessageController {
  constructor(private readonly points: PointsService) {}

  @OnMessage(OrderCompleted)
  async orderCompleted(event: PayloadOf<typeof OrderCompleted>, { tx, message }: MessageContext<PointsTransaction>): Promise<void> {
    this.points.credit(tx, event, message);
  }
}
