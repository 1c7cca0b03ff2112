import { readFileSync } from 'node:fs';
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
