import net from 'node:net';
import { LoadBalancer } from './load-balancer';

/** A TCP server that answers every connection with its own name, then closes it. */
async function namedServer(name: string): Promise<net.Server & { port: number }> {
  const server = net.createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as net.AddressInfo).port });
}

async function freePort(): Promise<number> {
  const server = await namedServer('placeholder');
  await new Promise((resolve) => server.close(resolve));
  return server.port;
}

/** Connects through the balancer and returns what the instance said, or "reset" when no instance took it. */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', () => resolve('reset'));
    socket.on('close', () => resolve(answer || 'reset'));
  });
}

describe('LoadBalancer', () => {
  const servers: net.Server[] = [];
  let balancer: LoadBalancer | undefined;
  afterEach(async () => {
    await balancer?.close();
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function balance(instances: (net.Server & { port: number })[], extraPorts: number[] = []): Promise<number> {
    servers.push(...instances);
    const port = await freePort();
    balancer = new LoadBalancer(port, [...instances.map((server) => server.port), ...extraPorts]);
    await balancer.listen();
    return port;
  }

  it('hands connections to the instances in turn', async () => {
    const port = await balance([await namedServer('a'), await namedServer('b'), await namedServer('c')]);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await ask(port));
    expect(answers).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('skips an instance that refuses connections, so a killed one costs no new connection', async () => {
    const port = await balance([await namedServer('a'), await namedServer('b')], [await freePort()]);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await ask(port));
    expect(answers.sort()).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
  });

  it('resets the connection when no instance answers', async () => {
    const port = await balance([], [await freePort(), await freePort()]);
    await expect(ask(port)).resolves.toBe('reset');
  });

  it('carries what the client sends to the instance and the answer back', async () => {
    const echo = net.createServer({ allowHalfOpen: true }, (socket) => socket.on('error', () => socket.destroy()).pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const port = await balance([Object.assign(echo, { port: (echo.address() as net.AddressInfo).port })]);
    const payload = 'x'.repeat(1 << 20);
    const echoed = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(payload));
      let received = '';
      socket.on('data', (chunk) => (received += chunk));
      socket.on('close', () => resolve(received));
    });
    expect(echoed.length).toBe(payload.length); // not toBe(payload): a failure would print a megabyte
    expect(echoed === payload).toBe(true);
  });
});
