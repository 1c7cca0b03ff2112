import { type DynamicModule, Module } from '@nestjs/common';
import { Queues } from '@platform/messaging';
import { PlatformModule } from '@platform/service-kit';
import { AccountsHttpController } from './accounts/accounts.http.controller';
import { AccountsService } from './accounts/accounts.service';
import { ChargesMessageController } from './charges/charges.message.controller';
import { ChargesService } from './charges/charges.service';
import { PaymentBook } from './charges/payment-book';
import type { PaymentConfig } from './payment.config';
import { PaymentDatabase } from './payment.database';

@Module({})
export class PaymentModule {
  static register(config: PaymentConfig): DynamicModule {
    return {
      module: PaymentModule,
      imports: [
        PlatformModule.forRoot({
          service: 'payment',
          config,
          database: PaymentDatabase,
          rabbitmq: true,
          kafka: true,
          rabbitQueues: [Queues.paymentCommands],
        }),
      ],
      controllers: [AccountsHttpController, ChargesMessageController],
      providers: [AccountsService, ChargesService, PaymentBook],
    };
  }
}
