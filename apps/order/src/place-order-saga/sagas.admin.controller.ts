import { ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { AdminEndpoint, ApiDatabase, ZodValidationPipe } from '@platform/service-kit';
import { z } from 'zod';
import { orderIdParam } from '../orders/place-order.request';
import { PlaceOrderSagaService } from './place-order-saga.service';
import { type SagaSummary, SagaBrowser } from './saga-browser';
import { type SagaBrowserFilter, SagaBrowserQuery } from './saga-browser.query';
import { type StuckSaga, StuckSagasMonitor } from './stuck-sagas.monitor';

const olderThanMsQuery = z.coerce
  .number({ error: 'must be a number of milliseconds' })
  .int({ error: 'must be a number of milliseconds' })
  .min(0, { error: 'must be a number of milliseconds' })
  .optional();

/** The operator's view of the sagas: a browser, which are stuck, and a way to end one. */
@Controller('admin/sagas')
export class SagasAdminController {
  constructor(
    private readonly stuckSagas: StuckSagasMonitor,
    private readonly browser: SagaBrowser,
    private readonly saga: PlaceOrderSagaService,
    private readonly database: ApiDatabase,
  ) {}

  /** Sagas by order, customer or state (RUNNING, STUCK, COMPLETED, CANCELLED), newest first, `limit` of them (50; up to 200). */
  @Get()
  @AdminEndpoint()
  async list(@Query(new ZodValidationPipe(SagaBrowserQuery, 'query')) filter: SagaBrowserFilter): Promise<{ sagas: SagaSummary[] }> {
    return { sagas: await this.browser.find(filter) };
  }

  /** Sagas RUNNING and unchanged for longer than `olderThanMs` (default SAGA_STUCK_AFTER_MS), longest first. */
  @Get('stuck')
  @AdminEndpoint()
  stuck(
    @Query('olderThanMs', new ZodValidationPipe(olderThanMsQuery, 'olderThanMs')) olderThanMs?: number,
  ): Promise<{ count: number; sagas: StuckSaga[] }> {
    return this.stuckSagas.find(olderThanMs);
  }

  /**
   * Cancels a running saga: it compensates, the step it waits on included, and its order ends
   * CANCELLED_BY_OPERATOR. 409 when the saga has ended already; its reply came after all.
   */
  @Post(':id/cancel')
  @HttpCode(200)
  @AdminEndpoint()
  async cancel(@Param('id', new ZodValidationPipe(orderIdParam, 'id')) sagaId: string): Promise<{ sagaId: string; status: 'COMPENSATED' }> {
    const result = await this.database.transaction((tx) => this.saga.cancelByOperator(tx, sagaId));
    if (result.applied) return { sagaId, status: 'COMPENSATED' };
    if (result.unknownSaga) throw new NotFoundException(`no saga ${sagaId}`);
    throw new ConflictException(result.reason);
  }
}
