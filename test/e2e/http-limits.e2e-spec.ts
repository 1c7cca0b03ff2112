import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { http, unique, urls } from './support/platform';

const KIB = 1024;

/** A POST /orders body of about `size` bytes: valid JSON whose customerId is far too long. */
const bodyOfSize = (size: number) => JSON.stringify({ customerId: 'x'.repeat(size - 40), items: [{ sku: 'a', quantity: 1 }] });

/** The local addresses the given TCP port listens on, from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && fields[1]?.endsWith(`:${hexPort}`))
      .map((fields) => fields[1].split(':')[0]),
  );
}

/** A request with headers fetch() will not set (Host), as a browser on this machine could send it. */
function rawRequest(method: string, url: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    sent.on('error', reject).end(body);
  });
}

describe('what the HTTP edge accepts', () => {
  it('when a body is over 64 KiB, then it is refused with 413 and a JSON error, before validation', async () => {
    const result = await http<{ statusCode: number; message: string }>('POST', `${urls.order}/orders`, bodyOfSize(65 * KIB));

    expect(result.status).toBe(413);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
    expect(result.body.statusCode).toBe(413);
  });

  it('when a body is just under 64 KiB, then it reaches validation, which names the bad field', async () => {
    const result = await http<{ fields: { field: string }[] }>('POST', `${urls.order}/orders`, bodyOfSize(63 * KIB));

    expect(result.status).toBe(400);
    expect(result.body.fields.map(({ field }) => field)).toEqual(['customerId']);
  });

  it('when a form body is over 64 KiB, then it gets 413 too; a smaller one is not parsed at all', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const large = await rawRequest('PUT', `${urls.inventory}/products/${unique('mug')}`, form, `name=${'x'.repeat(65 * KIB)}`);
    const small = await rawRequest('PUT', `${urls.inventory}/products/${unique('mug')}`, form, 'priceCents=100&stock=5');

    expect(large.status).toBe(413);
    expect(small.status).toBe(400);
    // Not parsed: the handler sees no body at all.
    expect(JSON.parse(small.body).fields.map(({ field }: { field: string }) => field)).toEqual(['body']);
  });

  it('without an API_KEY, admin endpoints refuse a page from another site and a domain rebound to this machine', async () => {
    const deadLetters = `${urls.inventory}/admin/dead-letters/inventory.commands`;

    expect((await rawRequest('GET', deadLetters, { host: '127.0.0.1:3001' })).status).toBe(200);
    expect((await rawRequest('GET', deadLetters, { host: '127.0.0.1:3001', origin: 'https://evil.example' })).status).toBe(403);
    expect((await rawRequest('GET', deadLetters, { host: 'evil.example:3001' })).status).toBe(403);
    expect((await rawRequest('GET', `${urls.points}/admin/kafka/lag`, { host: '127.0.0.1:3004', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });

  it('metrics and the details of readiness are for operators; the readiness status code is for anyone', async () => {
    const foreign = { host: 'evil.example:3001' };

    expect((await rawRequest('GET', `${urls.inventory}/metrics`, { host: '127.0.0.1:3001' })).status).toBe(200);
    expect((await rawRequest('GET', `${urls.inventory}/metrics`, foreign)).status).toBe(403);
    const ready = await rawRequest('GET', `${urls.inventory}/health/ready`, foreign);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready' });
    expect(JSON.parse((await rawRequest('GET', `${urls.inventory}/health/ready`, { host: '127.0.0.1:3001' })).body)).toHaveProperty('checks');
  });

  it.each([
    ['inventory', `${urls.inventory}/products/${'x'.repeat(201)}`, 'sku'],
    ['inventory', `${urls.inventory}/products/${'x'.repeat(201)}/demand`, 'sku'],
    ['payment', `${urls.payment}/accounts/${'x'.repeat(201)}`, 'customerId'],
    ['points', `${urls.points}/points/${'x'.repeat(201)}`, 'customerId'],
  ])('when %s is asked for an id over 200 characters, then it answers 400 naming it, in the words every endpoint uses', async (_service, url, field) => {
    const result = await http<{ statusCode: number; error: string; fields: { field: string; message: string }[] }>('GET', url);

    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(result.body.fields).toEqual([{ field, message: 'must be at most 200 characters' }]);
  });

  it('when a body is not JSON, then it answers 400 in the same shape, naming body', async () => {
    const result = await http<{ statusCode: number; error: string; fields: { field: string; message: string }[] }>(
      'POST',
      `${urls.order}/orders`,
      '{"customerId": "ada", "items": [',
    );

    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ statusCode: 400, error: 'Bad Request', fields: [{ field: 'body', message: 'must be valid JSON' }] });
  });

  it.each([
    ['payment', `${urls.payment}/payments`],
    ['notification', `${urls.notification}/notifications`],
  ])('when %s is asked for an order id that is no UUID, or none, then it answers 400 naming orderId', async (_service, url) => {
    for (const query of ['?orderId=not-an-order', '?orderId=', '']) {
      const result = await http<{ fields: { field: string; message: string }[] }>('GET', `${url}${query}`);

      expect(result.status).toBe(400);
      expect(result.body.fields).toEqual([{ field: 'orderId', message: 'must be an order id (a UUID)' }]);
    }
  });

  it('answers with security headers and without naming its framework', async () => {
    for (const url of Object.values(urls)) {
      const result = await http('GET', `${url}/health/live`);

      expect(result.headers.get('x-powered-by')).toBeNull();
      expect(result.headers.get('x-content-type-options')).toBe('nosniff');
      expect(result.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
  });

  it('without an API_KEY, every service listens on the loopback interface only, so its admin endpoints stay on this machine', async () => {
    expect((await http('GET', `${urls.inventory}/products/${unique('nothing')}`)).status).toBe(404);
    for (const url of Object.values(urls)) {
      const addresses = listeningAddresses(Number(new URL(url).port));

      expect(addresses.length).toBeGreaterThan(0);
      // 0100007F is 127.0.0.1 as /proc writes it; an IPv6 loopback would be ...0001.
      for (const address of addresses) expect(['0100007F', '00000000000000000000000001000000']).toContain(address);
    }
  });
});
