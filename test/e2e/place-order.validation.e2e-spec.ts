import { ordersStoredFor } from './support/database';
import { http, putProduct, unique, urls } from './support/platform';

interface BadRequest {
  statusCode: number;
  fields: { field: string; message: string }[];
}

describe('a malformed POST /orders', () => {
  it('is answered 400 naming every bad field, and stores and reserves nothing', async () => {
    const customer = unique('customer');
    const sku = unique('mug');
    await putProduct(sku, 100, 5);

    const result = await http<BadRequest>('POST', `${urls.order}/orders`, {
      customerId: customer,
      items: [
        { sku, quantity: 0 },
        { sku: '', quantity: 1.5 },
        { sku, quantity: 1001 },
      ],
    });

    expect(result.status).toBe(400);
    expect(result.body.fields.map(({ field }) => field).sort()).toEqual([
      'items.0.quantity',
      'items.1.quantity',
      'items.1.sku',
      'items.2.quantity',
    ]);
    expect(await ordersStoredFor(customer)).toBe(0);
    expect((await http('GET', `${urls.inventory}/products/${sku}`)).body).toMatchObject({ available: 5, reserved: 0 });
  });

  it('names the missing customer and items when the body is empty', async () => {
    const result = await http<BadRequest>('POST', `${urls.order}/orders`, {});

    expect(result.status).toBe(400);
    expect(result.body.fields.map(({ field }) => field).sort()).toEqual(['customerId', 'items']);
  });

  it('refuses an order with no lines or more than 100 lines', async () => {
    const customer = unique('customer');
    const tooMany = Array.from({ length: 101 }, (_, index) => ({ sku: `sku-${index}`, quantity: 1 }));

    for (const items of [[], tooMany]) {
      const result = await http<BadRequest>('POST', `${urls.order}/orders`, { customerId: customer, items });
      expect(result.status).toBe(400);
      expect(result.body.fields).toEqual([expect.objectContaining({ field: 'items' })]);
    }
    expect(await ordersStoredFor(customer)).toBe(0);
  });

  it('refuses an order that names the same sku twice', async () => {
    const customer = unique('customer');

    const result = await http<BadRequest>('POST', `${urls.order}/orders`, {
      customerId: customer,
      items: [
        { sku: 'same', quantity: 1 },
        { sku: 'same', quantity: 2 },
      ],
    });

    expect(result.status).toBe(400);
    expect(result.body.fields).toEqual([{ field: 'items', message: 'must not name the same sku twice' }]);
    expect(await ordersStoredFor(customer)).toBe(0);
  });

  it('is answered 400 when the body is not JSON at all', async () => {
    const result = await http('POST', `${urls.order}/orders`, '{"customerId": "x", items: [');

    expect(result.status).toBe(400);
  });
});
