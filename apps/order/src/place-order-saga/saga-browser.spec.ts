import { sagaBrowserStatement } from './saga-browser';
import { SagaBrowserQuery } from './saga-browser.query';

const orderId = '0b9f3c1e-7d52-4f0a-9d0e-3c8b6a1f2e47';

describe('the saga browser query', () => {
  it('when nothing is asked, then every saga, the newest 50', () => {
    expect(SagaBrowserQuery.parse({})).toEqual({ limit: 50 });
  });

  it.each([
    ['state', { state: 'ENDED' }, 'must be one of RUNNING, STUCK, COMPLETED, CANCELLED'],
    ['limit', { limit: '201' }, 'must be a whole number between 1 and 200'],
    ['limit', { limit: '0' }, 'must be a whole number between 1 and 200'],
    ['orderId', { orderId: 'order-1' }, 'must be an order id (a UUID)'],
  ])('when %s is wrong, then it is named with its rule', (field, query, message) => {
    const parsed = SagaBrowserQuery.safeParse(query);

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: [field], message })]);
  });
});

describe('the saga browser statement', () => {
  it('when nothing is asked, then it has no condition and only the stuck threshold and the limit as values', () => {
    const { text, values } = sagaBrowserStatement({ limit: 50 }, 120);

    expect(text).not.toContain('WHERE');
    expect(text).toMatch(/ORDER BY o\.created_at DESC\s+LIMIT \$2$/);
    expect(values).toEqual([120, 50]);
  });

  it.each([
    ['RUNNING', `s.status = 'RUNNING'`],
    ['STUCK', `s.status = 'RUNNING' AND s.updated_at < now() - make_interval(secs => $1)`],
    ['COMPLETED', `s.status = 'COMPLETED'`],
    ['CANCELLED', `s.status = 'COMPENSATED'`],
  ] as const)('when the state is %s, then the saga row must match %s', (state, condition) => {
    const { text, values } = sagaBrowserStatement({ state, limit: 10 }, 120);

    expect(text).toContain(`WHERE ${condition}\n`);
    expect(values).toEqual([120, 10]);
  });

  it('when every filter is given, then each is a placeholder in turn, and no value is spliced into the text', () => {
    const { text, values } = sagaBrowserStatement({ orderId, customerId: "alice' OR true --", state: 'STUCK', limit: 5 }, 120);

    expect(text).toContain('WHERE o.id = $2::uuid');
    expect(text).toContain('AND o.customer_id = $3');
    expect(text).toContain('LIMIT $4');
    expect(text).not.toContain('alice');
    expect(values).toEqual([120, orderId, "alice' OR true --", 5]);
  });
});
