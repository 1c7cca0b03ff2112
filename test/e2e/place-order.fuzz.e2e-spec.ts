import fc from 'fast-check';
import { queryService } from './support/database';
import { http, unique, urls } from './support/platform';

/** Every status a POST /orders may answer with; anything else (a 5xx above all) fails the property. */
const ANSWERS = [202, 400, 409, 413];

/** Strings over all of Unicode, control characters and lone surrogates included, up to a few KiB. */
const anyText = (maxLength = 300) => fc.string({ unit: 'binary', maxLength });

/** Bodies that are almost orders: the right fields, with values of every kind and size. */
const nearOrders = (customerPrefix: string) =>
  fc.record(
    {
      // Any customerId that is a string carries the run's prefix, so every order a 202 stands for is counted;
      // fc.anything() alone once drew the valid, prefix-less "w/?".
      customerId: fc.oneof(
        anyText().map((text) => `${customerPrefix}${text}`),
        fc.anything().filter((value) => typeof value !== 'string'),
      ),
      items: fc.oneof(
        fc.array(
          fc.record(
            {
              sku: fc.oneof(anyText(), fc.anything()),
              quantity: fc.oneof(fc.integer(), fc.double(), fc.bigInt().map(String), fc.anything()),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 120 },
        ),
        fc.anything(),
      ),
    },
    { requiredKeys: [] },
  );

async function ordersOfCustomersStartingWith(prefix: string): Promise<number> {
  const [row] = await queryService<{ count: string }>('order', 'SELECT count(*) FROM orders WHERE starts_with(customer_id, $1)', [prefix]);
  return Number(row.count);
}

describe('POST /orders under random and malformed input', () => {
  it('never answers 5xx to a near-order, and stores an order exactly for each 202', async () => {
    const prefix = `${unique('fuzz')}-`;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(nearOrders(prefix), async (body) => {
        const { status } = await http('POST', `${urls.order}/orders`, body);
        expect(ANSWERS).toContain(status);
        if (status === 202) accepted += 1;
      }),
      { numRuns: 300 },
    );

    expect(await ordersOfCustomersStartingWith(prefix)).toBe(accepted);
  });

  it('never answers 5xx to a body that is not JSON, or is JSON of any other shape, up to past the 64 KiB limit', async () => {
    const bodies = fc.oneof(
      anyText(2_000),
      fc.json({ maxDepth: 6 }),
      fc.integer({ min: 60 * 1024, max: 70 * 1024 }).map((size) => `{"customerId":"${'x'.repeat(size)}","items":[]}`),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const { status } = await http('POST', `${urls.order}/orders`, body);
        expect(ANSWERS).toContain(status);
      }),
      { numRuns: 200 },
    );
  });

  it('never answers 5xx to an odd Idempotency-Key or order id', async () => {
    const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 400 });
    await fc.assert(
      fc.asyncProperty(headerValue, anyText(), async (key, id) => {
        const placed = await http('POST', `${urls.order}/orders`, { customerId: unique('fuzz-key'), items: [] }, { 'Idempotency-Key': key });
        expect(placed.status).toBe(400);
        const read = await http('GET', `${urls.order}/orders/${encodeURIComponent(id)}`);
        expect([400, 404]).toContain(read.status);
      }),
      { numRuns: 200 },
    );
  });
});
