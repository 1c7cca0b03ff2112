import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient, type HttpOutcome } from '../../../bench/saga/http-client';

describe('the benchmark client telling new connections from kept-alive ones', () => {
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      // Long enough for a second request to queue behind the first on a one-socket agent.
      setTimeout(() => response.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"x"}'), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const connection = (outcome: HttpOutcome) => (outcome.newConnection ? 'new' : 'kept alive');

  it('counts a request that waited for a busy socket as kept alive, not new', async () => {
    const client = new HttpClient(1);
    try {
      const together = await Promise.all([client.send('POST', url, {}), client.send('POST', url, {})]);
      const after = await client.send('POST', url, {});
      expect([...together, after].map(connection)).toEqual(['new', 'kept alive', 'kept alive']);
      expect(after).toMatchObject({ kind: 'answer', status: 202 });
    } finally {
      client.close();
    }
  });

  it('counts a refused connection as an attempt to open one', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new HttpClient(1);
    try {
      expect(await client.send('GET', `http://127.0.0.1:${port}/`)).toEqual({ kind: 'network-error', code: 'ECONNREFUSED', newConnection: true });
    } finally {
      client.close();
    }
  });
});
