import { Controller, Get, Query } from '@nestjs/common';
import { orderIdQuery, ZodValidationPipe } from '@platform/service-kit';
import { type NotificationView, NotificationsService } from './notifications.service';

@Controller('notifications')
export class NotificationsHttpController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  list(@Query('orderId', new ZodValidationPipe(orderIdQuery, 'orderId')) orderId: string): Promise<NotificationView[]> {
    return this.notifications.forOrder(orderId);
  }
}
