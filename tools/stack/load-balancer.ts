import net from 'node:net';

/**
 * The shared port of a replicated service: a TCP proxy that hands each new connection to the next
 * instance in turn, the way a Kubernetes Service or a compose network spreads connections over
 * replicas. An instance that refuses the connection (killed, or still restarting) is skipped for
 * the next one, so killing an instance costs only the connections it held. Balancing is per
 * connection: an HTTP client keeping a connection alive stays with its instance until it closes it.
 */
export class LoadBalancer {
  private readonly server: net.Server;
  private readonly connections = new Set<net.Socket>();
  private next = 0;

  constructor(
    readonly port: number,
    readonly instancePorts: readonly number[],
    /** Told of a failure to accept (out of file descriptors, say): the balancer goes on. */
    private readonly onError: (error: Error) => void = () => undefined,
    private readonly host = '127.0.0.1',
  ) {
    // Half-open: a client that ends its side may still be owed an answer, which must reach it.
    this.server = net.createServer({ allowHalfOpen: true }, (client) => this.forward(client));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        // Without a listener, an 'error' would end the process the balancer runs in, npm start's.
        this.server.on('error', this.onError);
        resolve();
      });
    });
  }

  /** Stops accepting, and cuts the connections still open (their instances are stopping too). */
  close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: net.Socket): void {
    this.track(client);
    client.on('error', () => client.destroy()); // a client that resets while we connect: nothing to forward
    client.pause(); // hold what the client sends until an instance takes the connection
    this.connectToAnInstance(client, this.instancePorts.length);
  }

  private connectToAnInstance(client: net.Socket, attemptsLeft: number): void {
    if (attemptsLeft === 0 || client.destroyed) {
      client.destroy(); // no instance answers: the client sees the connection reset, as with a service down
      return;
    }
    const port = this.instancePorts[this.next++ % this.instancePorts.length];
    const upstream = net.connect({ port, host: this.host, allowHalfOpen: true });
    const refused = () => this.connectToAnInstance(client, attemptsLeft - 1);
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      if (client.destroyed) {
        upstream.destroy(); // the client gave up while we connected
        return;
      }
      this.track(upstream);
      upstream.setNoDelay(true);
      client.setNoDelay(true);
      // A failure on either side ends both: a half-dead pair would hang the client. The instance
      // closing ends the client's side gracefully, so a response it wrote last is still delivered.
      const destroyBoth = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', destroyBoth).once('close', () => upstream.destroy());
      upstream.on('error', destroyBoth).once('close', () => client.end());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  private track(socket: net.Socket): void {
    this.connections.add(socket);
    socket.once('close', () => this.connections.delete(socket));
  }
}
