import { Inject, Injectable } from '@nestjs/common';
import type { SqlStatement } from '@platform/database';
import { ORDER_CONFIG, type OrderConfig } from '../order.config';
import { OrderDatabase } from '../order.database';
import { PlaceOrderSagaService } from './place-order-saga.service';
import type { SagaBrowserFilter, SagaBrowserState } from './saga-browser.query';

export interface SagaSummary {
  readonly orderId: string;
  readonly customerId: string;
  /** RUNNING, COMPLETED or CANCELLED (a compensated saga). */
  readonly state: 'RUNNING' | 'COMPLETED' | 'CANCELLED';
  /** The step the saga is on, or ended on. */
  readonly step: string;
  /** The order's status: PENDING, COMPLETED or CANCELLED. */
  readonly status: string;
  readonly startedAt: string;
  /** When the saga last moved. */
  readonly updatedAt: string;
  /** Running and unchanged for longer than SAGA_STUCK_AFTER_MS. */
  readonly stuck: boolean;
}

type SagaRow = {
  id: string;
  customer_id: string;
  saga_status: 'RUNNING' | 'COMPLETED' | 'COMPENSATED';
  current_step: number;
  order_status: string;
  started_at: Date;
  updated_at: Date;
  stuck: boolean;
};

/** `$1` is the stuck threshold in seconds; each state's condition on the saga row `s`. */
const STATE_CONDITIONS: Readonly<Record<SagaBrowserState, string>> = {
  RUNNING: `s.status = 'RUNNING'`,
  STUCK: `s.status = 'RUNNING' AND s.updated_at < now() - make_interval(secs => $1)`,
  COMPLETED: `s.status = 'COMPLETED'`,
  CANCELLED: `s.status = 'COMPENSATED'`,
};

const STATE_OF = { RUNNING: 'RUNNING', COMPLETED: 'COMPLETED', COMPENSATED: 'CANCELLED' } as const;

/**
 * The browser's one statement. Newest first by the order's creation, on `orders_created_at_idx`
 * (an order and its saga start in one transaction); an order id is the saga id, a customer's
 * orders have their own index, and running sagas the partial index the stuck check uses.
 */
export function sagaBrowserStatement(filter: SagaBrowserFilter, stuckAfterSeconds: number): SqlStatement {
  const values: unknown[] = [stuckAfterSeconds];
  const conditions: string[] = [];
  const value = (of: unknown) => `$${values.push(of)}`;
  if (filter.orderId) conditions.push(`o.id = ${value(filter.orderId)}::uuid`);
  if (filter.customerId) conditions.push(`o.customer_id = ${value(filter.customerId)}`);
  if (filter.state) conditions.push(STATE_CONDITIONS[filter.state]);
  const text = `
    SELECT o.id, o.customer_id, s.status::text AS saga_status, s.current_step, o.status::text AS order_status,
           s.created_at AS started_at, s.updated_at,
           (s.status = 'RUNNING' AND s.updated_at < now() - make_interval(secs => $1)) AS stuck
      FROM orders o
      JOIN saga_instance s ON s.id = o.id${conditions.length > 0 ? `\n     WHERE ${conditions.join('\n       AND ')}` : ''}
     ORDER BY o.created_at DESC
     LIMIT ${value(filter.limit)}`;
  return { text, values };
}

/**
 * The operator's saga browser: sagas by order, customer or state, newest first. It reads through
 * the service's Prisma pool, not the API's connections, which are kept for POST /orders.
 */
@Injectable()
export class SagaBrowser {
  constructor(
    private readonly database: OrderDatabase,
    private readonly saga: PlaceOrderSagaService,
    @Inject(ORDER_CONFIG) private readonly config: OrderConfig,
  ) {}

  async find(filter: SagaBrowserFilter): Promise<SagaSummary[]> {
    const { text, values } = sagaBrowserStatement(filter, this.config.SAGA_STUCK_AFTER_MS / 1_000);
    const rows = await this.database.$queryRawUnsafe<SagaRow[]>(text, ...values);
    return rows.map((row) => ({
      orderId: row.id,
      customerId: row.customer_id,
      state: STATE_OF[row.saga_status],
      step: this.saga.stepName(row.current_step),
      status: row.order_status,
      startedAt: row.started_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      stuck: row.stuck,
    }));
  }
}
