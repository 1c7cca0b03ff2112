import { exactInteger } from '@platform/database';
import type { Order, SagaHistoryEntry } from '../generated/prisma/client';

export interface OrderView {
  id: string;
  customerId: string;
  items: unknown;
  status: Order['status'];
  totalCents?: number;
  cancellationReason?: string;
  history: { step: string; event: string; at: string; detail?: unknown }[];
}

export function toOrderView(order: Order, history: SagaHistoryEntry[]): OrderView {
  return {
    id: order.id,
    customerId: order.customerId,
    items: order.items,
    status: order.status,
    ...(order.totalCents !== null && { totalCents: exactInteger(order.totalCents) }),
    ...(order.cancellationReason !== null && { cancellationReason: order.cancellationReason }),
    history: history.map((entry) => ({
      step: entry.step,
      event: entry.event,
      at: entry.at.toISOString(),
      ...(entry.detail !== null && { detail: entry.detail }),
    })),
  };
}
