import {
  type CancellationReason,
  ChargePayment,
  CommitStock,
  PaymentCharged,
  PaymentRejected,
  RefundPayment,
  ReleaseStock,
  ReserveStock,
  StockReservationRejected,
  StockReserved,
} from '@platform/contracts';
import { command, defineSaga } from '@platform/saga';

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** Everything the saga knows about its order, stored with the saga instance. */
export interface PlaceOrderSagaData {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
  /** Set by inventory's reply: the reserved lines at their unit prices. */
  readonly lines?: readonly OrderLine[];
  readonly totalCents?: number;
  readonly cancellationReason?: CancellationReason;
}

export const totalOf = (lines: readonly OrderLine[]): number =>
  lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);

function amountToCharge(order: PlaceOrderSagaData): number {
  if (order.totalCents === undefined) throw new Error(`order ${order.orderId} has no total before payment`);
  return order.totalCents;
}

export interface PlaceOrderSagaSettings {
  readonly paymentTimeoutMs: number;
}

/**
 * Placing an order (docs/CONTRACT.md, business rules 1-5):
 *   1. inventory holds every line, or says which product is unknown or short;
 *   2. payment charges the total, or says the customer is unknown or over the limit, or does not
 *      answer in time; then the held stock is released, and a charge that still comes is refunded;
 *   3. inventory turns the held stock into sold stock.
 * The order completes when step 3 is sent; it is cancelled when a step fails, or by an operator
 * when a step's reply will not come (then the step waited on is compensated as well).
 */
export const placeOrderSaga = ({ paymentTimeoutMs }: PlaceOrderSagaSettings) =>
  defineSaga<PlaceOrderSagaData>('place-order')
    .step('reserve-stock')
    .invokeParticipant((order) => command(ReserveStock, { orderId: order.orderId, items: [...order.items] }))
    .onReply(StockReserved, (order, reply) => ({ ...order, lines: reply.lines, totalCents: totalOf(reply.lines) }))
    .onFailureReply(StockReservationRejected, (order, reply) => ({ ...order, cancellationReason: reply.reason }))
    .withCompensation((order) => command(ReleaseStock, { orderId: order.orderId }))
    // A reservation the saga never heard of (it was cancelled while waiting) is released; a repeat
    // of one it did hear of was released with the rest.
    .onLateReply(StockReserved, (order) => (order.lines ? undefined : command(ReleaseStock, { orderId: order.orderId })))

    .step('charge-payment')
    .invokeParticipant((order) =>
      command(ChargePayment, { orderId: order.orderId, customerId: order.customerId, amountCents: amountToCharge(order) }),
    )
    .onReply(PaymentCharged, (order) => order)
    .onFailureReply(PaymentRejected, (order, reply) => ({ ...order, cancellationReason: reply.reason }))
    .timeoutAfter(paymentTimeoutMs, (order) => ({ ...order, cancellationReason: 'PAYMENT_TIMEOUT' }))
    // Only an operator's cancel compensates the step it waits on: the charge may have been taken.
    .withCompensation((order) => command(RefundPayment, { orderId: order.orderId }))
    .onLateReply(PaymentCharged, (order) => command(RefundPayment, { orderId: order.orderId }))

    .step('commit-stock')
    .notifyParticipant((order) => command(CommitStock, { orderId: order.orderId }))

    .build();
