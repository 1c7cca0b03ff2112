import { Inject, Injectable } from '@nestjs/common';
import type { NotificationChannel } from '@platform/contracts';
import { PLATFORM_LOGGER } from '@platform/service-kit';
import type { Logger } from 'pino';

export interface OutgoingNotification {
  readonly channel: NotificationChannel;
  readonly to: string;
  readonly template: string;
  readonly body: string;
  readonly orderId: string;
}

/**
 * Stands in for an e-mail or SMS gateway: it writes what it would send to the log. A real
 * gateway would be called with the notification id as its idempotency key, since a handler can
 * run again after a crash between sending and committing.
 */
@Injectable()
export class SimulatedNotificationSender {
  constructor(@Inject(PLATFORM_LOGGER) private readonly logger: Logger) {}

  async send(notification: OutgoingNotification): Promise<void> {
    this.logger.info({ ...notification }, `simulated ${notification.channel} sent`);
  }
}
