import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { AdminEndpoint, orderIdQuery, ZodValidationPipe } from '@platform/service-kit';
import { customerIdParam, PutAccountRequest } from './account.request';
import { type AccountView, AccountsService, type PaymentView } from './accounts.service';

@Controller()
export class AccountsHttpController {
  constructor(private readonly accounts: AccountsService) {}

  @Put('accounts/:customerId')
  @AdminEndpoint()
  put(
    @Param('customerId', new ZodValidationPipe(customerIdParam, 'customerId')) customerId: string,
    @Body(new ZodValidationPipe(PutAccountRequest)) body: PutAccountRequest,
  ): Promise<AccountView> {
    return this.accounts.put(customerId, body);
  }

  @Get('accounts/:customerId')
  get(@Param('customerId', new ZodValidationPipe(customerIdParam, 'customerId')) customerId: string): Promise<AccountView> {
    return this.accounts.get(customerId);
  }

  @Get('payments')
  payments(@Query('orderId', new ZodValidationPipe(orderIdQuery, 'orderId')) orderId: string): Promise<PaymentView[]> {
    return this.accounts.paymentsOf(orderId);
  }
}
