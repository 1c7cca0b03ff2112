/**
 * What docs/CONTRACT.md's invariants say the other services must show, worked out from the orders
 * alone. Pure arithmetic, shared by the end-to-end suites (which assert it with jest) and by the
 * flash-sale demo (which prints PASS or FAIL).
 */

/** The part of `GET /orders/:id` the invariants read. */
export interface OrderOutcome {
  readonly customerId: string;
  readonly status: string;
  readonly totalCents?: number;
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
}

export const TERMINAL_STATUSES: readonly string[] = ['COMPLETED', 'CANCELLED'];

export const isTerminal = (order: Pick<OrderOutcome, 'status'>) => TERMINAL_STATUSES.includes(order.status);

export const completedOnly = <T extends OrderOutcome>(orders: readonly T[]): T[] => orders.filter((order) => order.status === 'COMPLETED');

/** Units of `sku` that left the shelf for good: stock set by PUT = available + reserved + this. */
export function committedUnits(orders: readonly OrderOutcome[], sku: string): number {
  return completedOnly(orders)
    .flatMap((order) => order.items)
    .filter((line) => line.sku === sku)
    .reduce((sum, line) => sum + line.quantity, 0);
}

/** What the orders' customer owes: creditLimitCents - availableCents, and the sum of CHARGED payments. */
export function owedCents(orders: readonly OrderOutcome[]): number {
  return completedOnly(orders).reduce((sum, order) => sum + (order.totalCents ?? 0), 0);
}

/** The orders' customer's points balance: one point per whole 100 cents of each COMPLETED order. */
export function earnedPoints(orders: readonly OrderOutcome[]): number {
  return completedOnly(orders).reduce((sum, order) => sum + Math.floor((order.totalCents ?? 0) / 100), 0);
}
