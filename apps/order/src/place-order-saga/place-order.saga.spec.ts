import {
  ChargePayment,
  CommitStock,
  type MessageContract,
  PaymentCharged,
  PaymentRejected,
  RefundPayment,
  ReleaseStock,
  ReserveStock,
  StockReservationRejected,
  StockReserved,
} from '@platform/contracts';
import { Exchanges, Queues, rabbitTopology } from '@platform/messaging';
import { given } from '@platform/saga';
import { placeOrderSaga as definePlaceOrderSaga, type PlaceOrderSagaData } from './place-order.saga';

const placeOrderSaga = definePlaceOrderSaga({ paymentTimeoutMs: 30_000 });

const orderId = '6f1c2a52-8a8e-4d7b-9a9f-1f2d3c4b5a69';
const paymentId = '0b00b235-72e9-4a3e-81d0-c702908c1d99';
const order: PlaceOrderSagaData = {
  orderId,
  customerId: 'customer-1',
  items: [
    { sku: 'mug', quantity: 3 },
    { sku: 'tea', quantity: 1 },
  ],
};
const lines = [
  { sku: 'mug', quantity: 3, unitPriceCents: 1250 },
  { sku: 'tea', quantity: 1, unitPriceCents: 499 },
];
const amountCents = 3 * 1250 + 499;
const charged = { orderId, paymentId, amountCents };

/** The queue the topology delivers a saga command to. */
const queueOf = (contract: MessageContract) =>
  rabbitTopology.queues
    .filter(({ bindings }) => bindings.some(({ exchange, routingKey }) => exchange === Exchanges.sagaCommands && routingKey === contract.type))
    .map(({ name }) => name)
    .join(', ');

const placed = () => given(placeOrderSaga, order, { routeOf: queueOf, sagaId: orderId });
const reserved = () =>
  placed().expectCommand(ReserveStock).andGivenReply(StockReserved, { orderId, lines }).expectCommand(ChargePayment);
const timedOut = () => reserved().andGivenTimeout().expectCommand(ReleaseStock);
const byOperator = (data: PlaceOrderSagaData): PlaceOrderSagaData => ({ ...data, cancellationReason: 'CANCELLED_BY_OPERATOR' });

describe('the place-order saga', () => {
  it('when an order is placed, then inventory is asked to reserve every line, with no deadline', () => {
    placed().expectCommand(ReserveStock, { orderId, items: [...order.items] }).to(Queues.inventoryCommands).expectWaitingOn('reserve-stock');
  });

  it('when the stock is reserved, then payment is asked to charge the sum of price x quantity, within 30 s', () => {
    const charging = placed()
      .expectCommand(ReserveStock)
      .andGivenReply(StockReserved, { orderId, lines })
      .expectCommand(ChargePayment, { orderId, customerId: 'customer-1', amountCents })
      .to(Queues.paymentCommands)
      .expectWaitingOn('charge-payment', 30_000);

    expect(charging.state.data.totalCents).toBe(amountCents);
  });

  it('when the payment is charged, then the reservation is committed and the saga completes', () => {
    reserved()
      .andGivenReply(PaymentCharged, charged)
      .expectCommand(CommitStock, { orderId })
      .to(Queues.inventoryCommands)
      .expectCompleted({ totalCents: amountCents });
  });

  it('records every step of the way in the history, in order', () => {
    reserved()
      .andGivenReply(PaymentCharged, charged)
      .expectCommand(CommitStock)
      .expectWholeHistory([
        'reserve-stock: command-sent',
        'reserve-stock: reply-received',
        'charge-payment: command-sent',
        'charge-payment: reply-received',
        'commit-stock: participant-notified',
        'commit-stock: saga-completed',
      ]);
  });

  it.each(['OUT_OF_STOCK', 'UNKNOWN_PRODUCT'] as const)(
    'when inventory rejects the reservation with %s, then nothing is compensated and the saga ends with that reason',
    (reason) => {
      placed()
        .expectCommand(ReserveStock)
        .andGivenFailureReply(StockReservationRejected, { orderId, reason, skus: ['mug'] })
        .expectNoCommands()
        .expectCompensated({ cancellationReason: reason });
    },
  );

  it.each(['PAYMENT_DECLINED', 'UNKNOWN_CUSTOMER'] as const)(
    'when payment rejects the charge with %s, then the reservation is released and the saga ends with that reason',
    (reason) => {
      reserved()
        .andGivenFailureReply(PaymentRejected, { orderId, reason })
        .expectCommand(ReleaseStock, { orderId })
        .to(Queues.inventoryCommands)
        .expectCompensated({ cancellationReason: reason });
    },
  );

  it('when payment does not answer in time, then the reservation is released and the order cancels with PAYMENT_TIMEOUT', () => {
    reserved()
      .andGivenTimeout()
      .expectCommand(ReleaseStock, { orderId })
      .expectCompensated({ cancellationReason: 'PAYMENT_TIMEOUT' })
      .expectHistory(['charge-payment: step-timed-out', 'reserve-stock: compensation-sent', 'charge-payment: saga-compensated']);
  });

  it('when a charge is confirmed after the payment timed out, then it is refunded and the order stays cancelled', () => {
    const late = timedOut()
      .andGivenLateReply(PaymentCharged, charged)
      .expectCommand(RefundPayment, { orderId })
      .to(Queues.paymentCommands)
      .expectNoCommands();

    expect(late.state).toMatchObject({ status: 'COMPENSATED', data: { cancellationReason: 'PAYMENT_TIMEOUT' } });
  });

  it('when payment is rejected after it timed out, then nothing more happens', () => {
    timedOut().expectReplyIgnored(PaymentRejected, { orderId, reason: 'PAYMENT_DECLINED' }, 'saga is COMPENSATED; payment.rejected changes nothing');
  });

  it('when the deadline passes after payment answered, then the stale timeout changes nothing', () => {
    reserved()
      .andGivenReply(PaymentCharged, charged)
      .expectCommand(CommitStock)
      .expectTimeoutStale('charge-payment', 'timeout of step charge-payment is stale: saga is COMPLETED at step 2');
  });

  it('when a charge is confirmed twice for a completed order, then the second changes nothing', () => {
    reserved().andGivenReply(PaymentCharged, charged).expectCommand(CommitStock).expectReplyIgnored(PaymentCharged, charged);
  });

  it('when a reply arrives that the current step does not expect, then it is ignored', () => {
    placed()
      .expectCommand(ReserveStock)
      .expectReplyIgnored(PaymentCharged, { orderId, paymentId, amountCents: 1 }, 'step reserve-stock does not expect payment.charged');
  });

  it('when a reservation arrives after the saga ended, then it changes nothing', () => {
    reserved()
      .andGivenFailureReply(PaymentRejected, { orderId, reason: 'PAYMENT_DECLINED' })
      .expectCommand(ReleaseStock)
      .expectReplyIgnored(StockReserved, { orderId, lines });
  });

  describe('cancelled by an operator while a reply does not come', () => {
    it('when it waits on the reservation, then the stock is released, and a reservation that comes later is released again', () => {
      placed()
        .expectCommand(ReserveStock)
        .andGivenCancel(byOperator, { by: 'test' })
        .expectCommand(ReleaseStock, { orderId })
        .expectCompensated({ cancellationReason: 'CANCELLED_BY_OPERATOR' })
        .andGivenLateReply(StockReserved, { orderId, lines })
        .expectCommand(ReleaseStock, { orderId })
        .expectNoCommands();
    });

    it('when it waits on the charge, then the charge is refunded and the stock released, newest first', () => {
      reserved()
        .andGivenCancel(byOperator)
        .expectCommand(RefundPayment, { orderId })
        .expectCommand(ReleaseStock, { orderId })
        .expectCompensated({ cancellationReason: 'CANCELLED_BY_OPERATOR' })
        .expectHistory([
          'charge-payment: cancelled-by-operator',
          'charge-payment: compensation-sent',
          'reserve-stock: compensation-sent',
          'charge-payment: saga-compensated',
        ]);
    });

    it('when the saga has ended, then it is refused', () => {
      placed()
        .expectCommand(ReserveStock)
        .andGivenCancel(byOperator)
        .expectCommand(ReleaseStock)
        .expectCancelRefused('saga is COMPENSATED; only a running saga can be cancelled');
    });
  });
});
