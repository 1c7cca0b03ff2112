import { Controller, Get, Query } from '@nestjs/common';
import { ZodValidationPipe } from '@platform/service-kit';
import { z } from 'zod';
import { type NotificationView, NotificationsService } from './notifications.service';

const orderIdQuery = z.string({ error: 'is required' }).min(1, { error: 'is required' });

@Controller('notifications')
export class NotificationsHttpController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  list(@Query('orderId', new ZodValidationPipe(orderIdQuery, 'orderId')) orderId: string): Promise<NotificationView[]> {
    return this.notifications.forOrder(orderId);
  }
}
