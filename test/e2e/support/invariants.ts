import { committedUnits, earnedPoints, owedCents, TERMINAL_STATUSES } from '../../../tools/contract/invariants';
import { eventually, http, type OrderView, urls } from './platform';

interface Product {
  available: number;
  reserved: number;
}
interface Account {
  creditLimitCents: number;
  availableCents: number;
}
interface Payment {
  orderId: string;
  amountCents: number;
  status: 'CHARGED' | 'REFUNDED';
}
interface Notification {
  template: string;
}

export interface Scenario {
  /** Stock as set by PUT, per sku the test created. */
  readonly stock: Record<string, number>;
  /** Customers the test created. */
  readonly customers: readonly string[];
  /** Every order the test placed, in their terminal state. */
  readonly orders: readonly OrderView[];
}

const get = async <T>(url: string) => (await http<T>('GET', url)).body;

/**
 * Checks docs/CONTRACT.md's invariants for the products, customers and orders of one test, waiting
 * for the asynchronous parts (commit of reservations, points, notifications) to settle.
 */
export async function expectInvariants({ stock, customers, orders }: Scenario): Promise<void> {
  for (const order of orders) expect(TERMINAL_STATUSES).toContain(order.status);

  for (const [sku, initial] of Object.entries(stock)) {
    const committed = committedUnits(orders, sku);
    const product = await eventually(
      () => get<Product>(`${urls.inventory}/products/${sku}`),
      (current) => current.reserved === 0,
      { what: `reservations of ${sku} to be committed or released` },
    );
    expect(product.available + product.reserved + committed).toBe(initial);
  }

  for (const customerId of customers) {
    const theirs = orders.filter((order) => order.customerId === customerId);
    const owed = owedCents(theirs);
    const payments = (await Promise.all(theirs.map((order) => get<Payment[]>(`${urls.payment}/payments?orderId=${order.id}`)))).flat();
    const charged = payments.filter((payment) => payment.status === 'CHARGED');
    const account = await get<Account>(`${urls.payment}/accounts/${customerId}`);

    expect(account.creditLimitCents - account.availableCents).toBe(owed);
    expect(charged.reduce((sum, payment) => sum + payment.amountCents, 0)).toBe(owed);
    expect(new Set(charged.map((payment) => payment.orderId)).size).toBe(charged.length);

    const expectedPoints = earnedPoints(theirs);
    await eventually(
      () => get<{ balance: number }>(`${urls.points}/points/${customerId}`),
      (points) => points.balance === expectedPoints,
      { what: `${customerId} to have ${expectedPoints} points` },
    );
  }

  for (const order of orders) {
    const template = order.status === 'COMPLETED' ? 'order-completed' : 'order-cancelled';
    await eventually(
      () => get<Notification[]>(`${urls.notification}/notifications?orderId=${order.id}`),
      (notifications) => notifications.some((notification) => notification.template === template),
      { what: `a ${template} notification for order ${order.id}` },
    );
  }
}
