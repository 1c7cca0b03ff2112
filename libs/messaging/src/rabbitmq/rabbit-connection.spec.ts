import * as amqp from 'amqplib';
import pino from 'pino';

// Every attempt fails at once, as against nodes that are all down; the test records where each went.
jest.mock('amqplib', () => ({ ...jest.requireActual<object>('amqplib'), connect: jest.fn() }));
import { RetryPolicy } from '../retry-policy';
import { RabbitConnection } from './rabbit-connection';

const NODES = ['amqp://127.0.0.1:5682', 'amqp://127.0.0.1:5683', 'amqp://127.0.0.1:5684'];

describe('RabbitConnection, given the nodes of a cluster', () => {
  it('tries the next node on every new attempt, round the list, from wherever it started', async () => {
    const tried: string[] = [];
    jest.mocked(amqp.connect).mockImplementation((url) => {
      tried.push(String(url));
      return Promise.reject(new Error('ECONNREFUSED'));
    });
    const connection = new RabbitConnection(
      { urls: NODES, connectionName: 'test', topology: { exchanges: [], queues: [], delayQueues: [] } as never, reconnect: RetryPolicy.exponential({ initialMs: 1, maxMs: 1 }) },
      pino({ level: 'silent' }),
    );
    connection.start();
    const deadline = Date.now() + 5_000;
    while (tried.length < 7 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    await connection.stop();

    const start = NODES.indexOf(tried[0]);
    expect(tried.slice(0, 7)).toEqual(Array.from({ length: 7 }, (_, attempt) => NODES[(start + attempt) % NODES.length]));
  });

  it('refuses an empty list of URLs', () => {
    expect(() => new RabbitConnection({ urls: [], connectionName: 'test', topology: {} as never }, pino({ level: 'silent' }))).toThrow('at least one URL');
  });
});
