import { BadRequestException, Controller, Get, Headers, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ConsoleAdminEndpoint } from '../console-admin.guard';
import { SERVICE_NAMES, type ServiceName } from '../overview/overview';
import { ServiceWatch } from '../overview/service-watch';
import { ServicesClient } from './services-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEAD_LETTERS_SHOWN = 50;

/** The order service's sagas and orders, and every service's dead letters, through their own APIs. */
@Controller('api')
export class OperationsController {
  constructor(
    private readonly services: ServicesClient,
    private readonly watch: ServiceWatch,
  ) {}

  /** Passed on to the order service's saga browser, whose 400s name the bad fields. */
  @Get('sagas')
  @ConsoleAdminEndpoint()
  sagas(@Query() query: Record<string, string>): Promise<unknown> {
    const search = new URLSearchParams();
    for (const name of ['orderId', 'customerId', 'state', 'limit']) if (query[name]) search.set(name, query[name]);
    return this.services.relayed(this.services.get('order', `/admin/sagas?${search}`), 'order');
  }

  @Get('orders/:id')
  order(@Param('id') id: string): Promise<unknown> {
    if (!UUID.test(id)) throw new BadRequestException({ message: 'invalid request: id', fields: [{ field: 'id', message: 'must be a UUID' }] });
    return this.services.relayed(this.services.get('order', `/orders/${id}`), 'order');
  }

  /** Every dead-letter queue and topic the services report, with its newest letters. */
  @Get('dead-letters')
  @ConsoleAdminEndpoint()
  async deadLetters(): Promise<{ stores: unknown[] }> {
    const { deadLetters } = await this.watch.overview();
    const stores = await Promise.all(
      deadLetters.map(async (store) => {
        const path = `/admin/dead-letters/${encodeURIComponent(store.source)}?limit=${DEAD_LETTERS_SHOWN}`;
        const answer = await this.services.get(store.service, path).catch((error: Error) => ({ status: 502, body: { message: error.message } }));
        return answer.status === 200
          ? { ...store, letters: answer.body }
          : { ...store, letters: [], error: (answer.body as { message?: string } | null)?.message ?? `answered ${answer.status}` };
      }),
    );
    return { stores };
  }

  /** An operator's action: it carries the operator's key (X-API-Key) on to the service, not the console's. */
  @Post('dead-letters/:service/:source/redrive')
  @HttpCode(200)
  @ConsoleAdminEndpoint()
  redrive(
    @Param('service') service: string,
    @Param('source') source: string,
    @Query('limit') limit: string | undefined,
    @Headers('x-api-key') apiKey: string | undefined,
  ): Promise<unknown> {
    if (!(SERVICE_NAMES as readonly string[]).includes(service)) throw new NotFoundException(`no service named ${service}`);
    const path = `/admin/dead-letters/${encodeURIComponent(source)}/redrive${limit ? `?limit=${encodeURIComponent(limit)}` : ''}`;
    return this.services.relayed(this.services.post(service as ServiceName, path, apiKey), service as ServiceName);
  }
}
