import http from 'node:http';
import type { Socket } from 'node:net';

/**
 * What came back: an HTTP answer of any status, or no answer at all; and whether the request opened
 * a connection or went over one kept alive from an earlier request (a new connection first waits
 * for the server to accept it, which a busy server may take seconds to do).
 */
export type HttpOutcome = (
  | { readonly kind: 'answer'; readonly status: number; readonly body: string }
  | { readonly kind: 'network-error'; readonly code: string }
) & { readonly newConnection: boolean };

/**
 * A JSON client over keep-alive connections (node:http's Agent: undici is not a dependency here, and
 * this one costs the load generator less CPU than fetch on a machine it shares with the platform).
 * It never throws for a failed request: a refused connection or a timeout is a result to be counted.
 */
export class HttpClient {
  private readonly agent: http.Agent;
  /**
   * Every socket a request has gone over. Node's `request.reusedSocket` is false for a request that
   * waited in the agent's queue for a busy socket, so it cannot tell a new connection on its own.
   */
  private readonly usedSockets = new WeakSet<Socket>();

  constructor(
    connections: number,
    private readonly timeoutMs = 60_000,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  send(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpOutcome> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve) => {
      // A request that failed before it got a socket was opening one.
      let newConnection = true;
      const failed = (error: NodeJS.ErrnoException): HttpOutcome => ({ kind: 'network-error', code: error.code ?? error.name, newConnection });
      const request = http.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...headers,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ kind: 'answer', status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), newConnection }),
          );
          response.on('error', (error: NodeJS.ErrnoException) => resolve(failed(error)));
        },
      );
      request.once('socket', (socket: Socket) => {
        newConnection = !this.usedSockets.has(socket);
        this.usedSockets.add(socket);
      });
      request.setTimeout(this.timeoutMs, () => request.destroy(Object.assign(new Error('no answer in time'), { code: 'TIMEOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => resolve(failed(error)));
      request.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
