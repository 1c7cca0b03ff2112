import { Controller, Get, Param } from '@nestjs/common';
import { ZodValidationPipe } from '@platform/service-kit';
import { orderIdParam } from '../orders/place-order.request';
import { type OrderActivityView, OrderActivityService } from './order-activity.service';

@Controller('orders')
export class OrderActivityHttpController {
  constructor(private readonly activity: OrderActivityService) {}

  /**
   * Every event about the order, as the Kafka logs have it: empty until the group has read them,
   * 404 (as GET /orders/:id) when there is no such order.
   */
  @Get(':id/activity')
  list(@Param('id', new ZodValidationPipe(orderIdParam, 'id')) id: string): Promise<OrderActivityView[]> {
    return this.activity.forOrder(id);
  }
}
