import {
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
import { applyReply, applyTimeout, cancelSaga, type SagaState, type SagaTransition, startSaga } from '@platform/saga';
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
const reservedLines = [
  { sku: 'mug', quantity: 3, unitPriceCents: 1250 },
  { sku: 'tea', quantity: 1, unitPriceCents: 499 },
];

const sent = (transition: SagaTransition<PlaceOrderSagaData>) =>
  transition.commands.map(({ contract, payload }) => ({ type: contract.type, payload }));

function reply(state: SagaState<PlaceOrderSagaData>, type: string, payload: unknown) {
  const decision = applyReply(placeOrderSaga, state, { type, payload });
  if (!decision.applied) throw new Error(`reply was not applied: ${decision.reason}`);
  return decision.transition;
}

function timeout(state: SagaState<PlaceOrderSagaData>, step: string, stepIndex: number) {
  const decision = applyTimeout(placeOrderSaga, state, { step, stepIndex });
  if (!decision.applied) throw new Error(`timeout was not applied: ${decision.reason}`);
  return decision.transition;
}

const started = () => startSaga(placeOrderSaga, orderId, order);
const reserved = () => reply(started().state, StockReserved.type, { orderId, lines: reservedLines });
const charged = { orderId, paymentId, amountCents: 4249 };
const timedOut = () => timeout(reserved().state, 'charge-payment', 1);

describe('the place-order saga', () => {
  it('when an order is placed, then inventory is asked to reserve every line', () => {
    const transition = started();

    expect(sent(transition)).toEqual([{ type: ReserveStock.type, payload: { orderId, items: order.items } }]);
    expect(transition.state).toMatchObject({ status: 'RUNNING', currentStep: 0 });
  });

  it('when the stock is reserved, then payment is asked to charge the sum of price x quantity', () => {
    const transition = reserved();

    expect(sent(transition)).toEqual([
      { type: ChargePayment.type, payload: { orderId, customerId: 'customer-1', amountCents: 3 * 1250 + 499 } },
    ]);
    expect(transition.state.data.totalCents).toBe(4249);
    expect(transition.state).toMatchObject({ status: 'RUNNING', currentStep: 1 });
  });

  it('when payment is asked to charge, then a deadline is set for its answer', () => {
    expect(reserved().timeouts).toEqual([{ step: 'charge-payment', stepIndex: 1, afterMs: 30_000 }]);
    expect(started().timeouts).toEqual([]);
  });

  it('when payment does not answer in time, then the reservation is released and the order cancels with PAYMENT_TIMEOUT', () => {
    const transition = timedOut();

    expect(sent(transition)).toEqual([{ type: ReleaseStock.type, payload: { orderId } }]);
    expect(transition.outcome).toBe('compensated');
    expect(transition.state).toMatchObject({ status: 'COMPENSATED', data: { cancellationReason: 'PAYMENT_TIMEOUT' } });
    expect(transition.history.map(({ event }) => event)).toEqual(['step-timed-out', 'compensation-sent', 'saga-compensated']);
  });

  it('when a charge is confirmed after the payment timed out, then it is refunded and the order stays cancelled', () => {
    const transition = reply(timedOut().state, PaymentCharged.type, charged);

    expect(sent(transition)).toEqual([{ type: RefundPayment.type, payload: { orderId } }]);
    expect(transition.outcome).toBeUndefined();
    expect(transition.state).toMatchObject({ status: 'COMPENSATED', data: { cancellationReason: 'PAYMENT_TIMEOUT' } });
  });

  it('when payment is rejected after it timed out, then nothing more happens', () => {
    const decision = applyReply(placeOrderSaga, timedOut().state, {
      type: PaymentRejected.type,
      payload: { orderId, reason: 'PAYMENT_DECLINED' },
    });

    expect(decision.applied).toBe(false);
  });

  it('when the deadline passes after payment answered, then the stale timeout changes nothing', () => {
    const completed = reply(reserved().state, PaymentCharged.type, charged).state;

    expect(applyTimeout(placeOrderSaga, completed, { step: 'charge-payment', stepIndex: 1 })).toMatchObject({
      applied: false,
      stale: true,
      reason: 'timeout of step charge-payment is stale: saga is COMPLETED at step 2',
    });
  });

  it('when a charge is confirmed twice for a completed order, then the second changes nothing', () => {
    const completed = reply(reserved().state, PaymentCharged.type, charged).state;

    expect(applyReply(placeOrderSaga, completed, { type: PaymentCharged.type, payload: charged }).applied).toBe(false);
  });

  it('when the payment is charged, then the reservation is committed and the saga completes', () => {
    const transition = reply(reserved().state, PaymentCharged.type, charged);

    expect(sent(transition)).toEqual([{ type: CommitStock.type, payload: { orderId } }]);
    expect(transition.outcome).toBe('completed');
    expect(transition.state.status).toBe('COMPLETED');
  });

  it.each(['OUT_OF_STOCK', 'UNKNOWN_PRODUCT'] as const)(
    'when inventory rejects the reservation with %s, then nothing is compensated and the saga ends with that reason',
    (reason) => {
      const transition = reply(started().state, StockReservationRejected.type, { orderId, reason, skus: ['mug'] });

      expect(sent(transition)).toEqual([]);
      expect(transition.outcome).toBe('compensated');
      expect(transition.state.data.cancellationReason).toBe(reason);
    },
  );

  it.each(['PAYMENT_DECLINED', 'UNKNOWN_CUSTOMER'] as const)(
    'when payment rejects the charge with %s, then the reservation is released and the saga ends with that reason',
    (reason) => {
      const transition = reply(reserved().state, PaymentRejected.type, { orderId, reason });

      expect(sent(transition)).toEqual([{ type: ReleaseStock.type, payload: { orderId } }]);
      expect(transition.outcome).toBe('compensated');
      expect(transition.state).toMatchObject({ status: 'COMPENSATED', data: { cancellationReason: reason } });
    },
  );

  it('when a reply arrives that the current step does not expect, then it is ignored', () => {
    const decision = applyReply(placeOrderSaga, started().state, {
      type: PaymentCharged.type,
      payload: { orderId, paymentId, amountCents: 1 },
    });

    expect(decision).toEqual({ applied: false, reason: 'step reserve-stock does not expect payment.charged' });
  });

  it('when a reply arrives after the saga ended, then it changes nothing', () => {
    const ended = reply(reserved().state, PaymentRejected.type, { orderId, reason: 'PAYMENT_DECLINED' }).state;

    const decision = applyReply(placeOrderSaga, ended, { type: StockReserved.type, payload: { orderId, lines: reservedLines } });

    expect(decision.applied).toBe(false);
  });

  it('records every step of the way in the history, in order', () => {
    const completed = reply(reserved().state, PaymentCharged.type, charged);
    const history = [...started().history, ...reserved().history, ...completed.history].map(
      ({ step, event }) => `${step}: ${event}`,
    );

    expect(history).toEqual([
      'reserve-stock: command-sent',
      'reserve-stock: reply-received',
      'charge-payment: command-sent',
      'charge-payment: reply-received',
      'commit-stock: participant-notified',
      'commit-stock: saga-completed',
    ]);
  });

  describe('cancelled by an operator while a reply does not come', () => {
    const byOperator = (data: PlaceOrderSagaData): PlaceOrderSagaData => ({ ...data, cancellationReason: 'CANCELLED_BY_OPERATOR' });
    const cancel = (state: SagaState<PlaceOrderSagaData>) => {
      const decision = cancelSaga(placeOrderSaga, state, byOperator, { by: 'test' });
      if (!decision.applied) throw new Error(decision.reason);
      return decision.transition;
    };

    it('when it waits on the reservation, then the stock is released, and a reservation that comes later is released again', () => {
      const cancelled = cancel(started().state);

      expect(cancelled.state).toMatchObject({ status: 'COMPENSATED', data: { cancellationReason: 'CANCELLED_BY_OPERATOR' } });
      expect(cancelled.outcome).toBe('compensated');
      expect(sent(cancelled)).toEqual([{ type: ReleaseStock.type, payload: { orderId } }]);
      const late = applyReply(placeOrderSaga, cancelled.state, { type: StockReserved.type, payload: { orderId, lines: reservedLines } });
      expect(late.applied && sent(late.transition)).toEqual([{ type: ReleaseStock.type, payload: { orderId } }]);
    });

    it('when it waits on the charge, then the charge is refunded and the stock released, newest first', () => {
      const cancelled = cancel(reserved().state);

      expect(sent(cancelled)).toEqual([
        { type: RefundPayment.type, payload: { orderId } },
        { type: ReleaseStock.type, payload: { orderId } },
      ]);
      expect(cancelled.history.map(({ event }) => event)).toEqual([
        'cancelled-by-operator',
        'compensation-sent',
        'compensation-sent',
        'saga-compensated',
      ]);
    });

    it('when the saga has ended, then it is refused', () => {
      const ended = cancel(started().state).state;

      expect(cancelSaga(placeOrderSaga, ended, byOperator, {})).toEqual({
        applied: false,
        reason: 'saga is COMPENSATED; only a running saga can be cancelled',
      });
    });
  });
});
