import { expectInvariants } from './support/invariants';
import { counterOf } from './support/metrics';
import { eventually, http, type OrderView, placeOrder, putAccount, putProduct, unique, urls } from './support/platform';
import { pause } from './support/processes';

interface StuckSagas {
  count: number;
  sagas: { sagaId: string; step: string; since: string }[];
}

const stuckSagas = async () => (await http<StuckSagas>('GET', `${urls.order}/admin/sagas/stuck`)).body;
const orderOf = async (id: string) => (await http<OrderView>('GET', `${urls.order}/orders/${id}`)).body;

describe('a saga whose reply does not come', () => {
  let resumeInventory: (() => void) | undefined;
  afterEach(() => resumeInventory?.());

  it(
    'is reported stuck, an operator cancels it and its stock comes back, and the reply that comes later changes nothing',
    async () => {
      const [mug, customer] = [unique('mug'), unique('customer')];
      await putProduct(mug, 700, 3);
      await putAccount(customer, 10_000);

      // Inventory freezes with the reservation command in its queue: the saga waits on a reply that does not come.
      resumeInventory = await pause('inventory');
      const placed = await placeOrder(customer, [{ sku: mug, quantity: 2 }]);
      const sagaId = placed.body.id;

      // Past SAGA_STUCK_AFTER_MS (a few seconds in the test stack; 2 minutes by default) it is stuck, and said so.
      const stuck = await eventually(stuckSagas, (found) => found.sagas.some((saga) => saga.sagaId === sagaId), {
        timeoutMs: 200_000,
        what: `saga ${sagaId} to be reported stuck`,
      });
      expect(stuck.sagas.find((saga) => saga.sagaId === sagaId)).toMatchObject({ step: 'reserve-stock' });
      await eventually(
        () => counterOf('order', 'saga_stuck_alerting'),
        (alerting) => alerting === 1,
        { timeoutMs: 30_000, what: 'the stuck-sagas alert' },
      );
      expect(await counterOf('order', 'saga_stuck_instances')).toBeGreaterThanOrEqual(1);

      // The operator cancels it: the order ends at once, and the saga's compensations go out.
      const cancelled = await http('POST', `${urls.order}/admin/sagas/${sagaId}/cancel`);
      expect(cancelled).toMatchObject({ status: 200, body: { sagaId, status: 'COMPENSATED' } });
      const order = await orderOf(sagaId);
      expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_OPERATOR' });
      expect(order.history.map(({ event }) => event)).toEqual(
        expect.arrayContaining(['cancelled-by-operator', 'compensation-sent', 'saga-compensated']),
      );
      expect((await http('POST', `${urls.order}/admin/sagas/${sagaId}/cancel`)).status).toBe(409);
      expect((await stuckSagas()).sagas.map((saga) => saga.sagaId)).not.toContain(sagaId);

      // Inventory comes back and works through its queue: it reserves, then releases; its late
      // reply finds the saga compensated and is undone. Nothing stays held, nothing is charged.
      resumeInventory();
      const after = await eventually(
        () => orderOf(sagaId),
        (current) => current.history.some(({ event }) => event === 'late-reply-undone'),
        { timeoutMs: 90_000, what: 'the late reservation reply to be undone' },
      );
      expect(after).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_OPERATOR' });
      await expectInvariants({ stock: { [mug]: 3 }, customers: [customer], orders: [after] });
    },
    300_000,
  );

  it('an unknown saga cannot be cancelled, and a saga id must be a UUID', async () => {
    expect((await http('POST', `${urls.order}/admin/sagas/00000000-0000-4000-8000-000000000000/cancel`)).status).toBe(404);
    expect((await http('POST', `${urls.order}/admin/sagas/not-a-saga/cancel`)).status).toBe(400);
    expect((await http('GET', `${urls.order}/admin/sagas/stuck?olderThanMs=soon`)).status).toBe(400);
  });
});
