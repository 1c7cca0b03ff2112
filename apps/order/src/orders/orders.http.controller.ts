import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ZodValidationPipe } from '@platform/service-kit';
import { tagCurrentSpanWithOrder } from '@platform/tracing';
import type { Response } from 'express';
import type { OrderView } from './order.view';
import { OrdersService } from './orders.service';
import { IdempotencyKeyHeader, orderIdParam, PlaceOrderRequest } from './place-order.request';

const idempotencyKeyPipe = new ZodValidationPipe(IdempotencyKeyHeader, 'Idempotency-Key');

@Controller('orders')
export class OrdersHttpController {
  constructor(private readonly orders: OrdersService) {}

  /** Accepted, not finished: the saga runs on; GET the Location to see where it is. */
  @Post()
  @HttpCode(202)
  async place(
    @Body(new ZodValidationPipe(PlaceOrderRequest)) body: PlaceOrderRequest,
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OrderView> {
    const idempotencyKey = idempotencyKeyPipe.transform(idempotencyKeyHeader);
    const order = await this.orders.place(body, idempotencyKey);
    tagCurrentSpanWithOrder(order.id);
    response.location(`/orders/${order.id}`);
    return order;
  }

  @Get(':id')
  get(@Param('id', new ZodValidationPipe(orderIdParam, 'id')) id: string): Promise<OrderView> {
    return this.orders.get(id);
  }
}
