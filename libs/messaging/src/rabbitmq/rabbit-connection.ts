import './amqplib-frame-coalescing';
import * as amqp from 'amqplib';
import type { Logger } from 'pino';
import { BrokerUnavailableError, describeError } from '../errors';
import { RetryPolicy } from '../retry-policy';
import type { RabbitTopology } from '../topology';
import { declareTopology } from './rabbit-topology';

export interface RabbitConnectionOptions {
  /** One broker, or the nodes of a cluster: each attempt takes the next, so a lost node is left behind. */
  readonly urls: readonly string[];
  /** The index of the URL the first attempt takes; by default one at random, so that instances spread over the nodes. */
  readonly firstUrl?: number;
  /** Shown in the RabbitMQ management UI's connection list. */
  readonly connectionName: string;
  readonly topology: RabbitTopology;
  /** The pauses between connection attempts; by default from 250 ms doubling to 15 s, jittered, for ever. */
  readonly reconnect?: RetryPolicy;
}

const RECONNECT = RetryPolicy.exponential({ initialMs: 250, maxMs: 15_000 }).withJitter();

/** Work to redo on every new connection: open channels, start consumers. */
export type ConnectionListener = (connection: amqp.ChannelModel) => Promise<void>;

/**
 * One AMQP connection per process that comes back by itself. When the broker goes away, it
 * reconnects with exponential backoff, declares the topology again, then lets every registered
 * publisher and consumer open fresh channels. Given the nodes of a cluster, it starts at one chosen
 * at random (so that instances spread over the nodes) and moves to the next on every new attempt:
 * when its node dies, the next connection goes to a live one, where the quorum queues have already
 * elected new leaders.
 *
 * Written here rather than taken from a connection-manager library on purpose: after a
 * reconnect a delivery tag from the old channel must never be acked on the new one (tags restart
 * at 1 and would ack a different message), so each consumer acks on the exact channel that
 * delivered, and a channel that died simply means the broker redelivers.
 */
export class RabbitConnection {
  private connection: amqp.ChannelModel | null = null;
  private readonly listeners: ConnectionListener[] = [];
  private reconnectTimer: NodeJS.Timeout | null = null;
  private failedAttempts = 0;
  /** Which of the URLs the next attempt takes. */
  private nextUrl: number;
  private stopped = false;
  /** Set when a channel dies while a connection is still being set up. */
  private lostDuringSetup: string | null = null;

  constructor(
    private readonly options: RabbitConnectionOptions,
    private readonly logger: Logger,
  ) {
    if (options.urls.length === 0) throw new Error('RabbitConnection needs at least one URL');
    this.nextUrl = (options.firstUrl ?? Math.floor(Math.random() * options.urls.length)) % options.urls.length;
  }

  get isConnected(): boolean {
    return this.connection !== null;
  }

  /** Register before start(); listeners run in registration order on each connection. */
  onConnected(listener: ConnectionListener): void {
    this.listeners.push(listener);
  }

  /** Starts connecting in the background; readiness reports the state until it succeeds. */
  start(): void {
    this.stopped = false;
    void this.connect();
  }

  /**
   * A channel this connection serves died while the connection itself lives on (a channel error,
   * a consumer cancelled by the broker). Closing the connection takes the one tested path back:
   * reconnect, declare, reopen every channel and consumer.
   */
  recover(reason: string): void {
    const connection = this.connection;
    if (this.stopped) return;
    if (!connection) {
      this.lostDuringSetup = reason;
      return;
    }
    this.logger.warn({ reason }, 'rabbitmq channel lost; reopening the connection');
    connection.close().catch((error: unknown) => this.logCloseError(error));
  }

  /** Runs operator work (dead-letter listing, re-drive) on a short-lived confirm channel. */
  async withChannel<T>(work: (channel: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
    if (!this.connection) throw new BrokerUnavailableError('RabbitMQ is not connected');
    const channel = await this.connection.createConfirmChannel();
    channel.on('error', (error: unknown) => this.logger.warn({ err: describeError(error) }, 'rabbitmq operator channel error'));
    try {
      return await work(channel);
    } finally {
      await channel.close().catch((error: unknown) => this.logCloseError(error));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const connection = this.connection;
    this.connection = null;
    if (connection) await connection.close().catch((error: unknown) => this.logCloseError(error));
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = null;
    let connection: amqp.ChannelModel | null = null;
    let closedDuringSetup = false;
    this.lostDuringSetup = null;
    const url = this.options.urls[this.nextUrl];
    this.nextUrl = (this.nextUrl + 1) % this.options.urls.length;
    try {
      connection = await amqp.connect(url, {
        clientProperties: { connection_name: this.options.connectionName },
        // amqplib leaves Nagle's algorithm on: a publish then waited for the broker's delayed ACK, about 23 ms of
        // each hop of the saga at rest (2 ms without it, measured against a quorum queue).
        noDelay: true,
      });
      connection.on('error', (error: unknown) =>
        this.logger.warn({ err: describeError(error) }, 'rabbitmq connection error'),
      );
      connection.on('close', () => {
        closedDuringSetup = true;
        this.onClosed(connection!);
      });
      const setup = await connection.createChannel();
      await declareTopology(setup, this.options.topology);
      await setup.close();
      for (const listener of this.listeners) await listener(connection);
      if (this.stopped) return void (await connection.close());
      if (closedDuringSetup) throw new Error('the connection closed while it was being set up');
      if (this.lostDuringSetup) throw new Error(`a channel was lost during set-up: ${this.lostDuringSetup}`);
      this.connection = connection;
      this.failedAttempts = 0;
      this.logger.info({ connection: this.options.connectionName, broker: withoutPassword(url) }, 'rabbitmq connected, topology declared');
    } catch (error) {
      this.logger.warn({ err: describeError(error), broker: withoutPassword(url) }, 'rabbitmq connection attempt failed');
      if (connection) await connection.close().catch((closeError: unknown) => this.logCloseError(closeError));
      this.scheduleReconnect();
    }
  }

  private onClosed(connection: amqp.ChannelModel): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.logger.warn('rabbitmq connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.failedAttempts += 1;
    const delay = (this.options.reconnect ?? RECONNECT).delayMs(this.failedAttempts);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  private logCloseError(error: unknown): void {
    this.logger.debug({ err: describeError(error) }, 'rabbitmq connection was already closing');
  }
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(a URL that does not parse)'; // it may hold a password anywhere: show none of it
  }
}
