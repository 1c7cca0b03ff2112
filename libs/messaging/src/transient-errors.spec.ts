import { BrokerUnavailableError, PermanentMessageError } from './errors';
import { isTransientError } from './transient-errors';

const prismaError = (code: string, cause?: object) =>
  Object.assign(new Error('prisma'), { code, meta: cause ? { driverAdapterError: { cause } } : undefined });

describe('telling a passing failure from a real one', () => {
  it.each([
    ['the database is unreachable', prismaError('P1001', { kind: 'DatabaseNotReachable' })],
    ['the pool had no free connection', prismaError('P2024')],
    ['a deadlock', prismaError('P2010', { kind: 'postgres', originalCode: '40P01' })],
    ['a serialization failure', prismaError('P2010', { kind: 'postgres', code: '40001' })],
    ['the server is shutting down', prismaError('P2010', { kind: 'postgres', code: '57P01' })],
    ['a connection failure (SQLSTATE class 08)', prismaError('P2010', { kind: 'postgres', code: '08006' })],
    ['a refused socket', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
    ['an unreachable broker', new BrokerUnavailableError('RabbitMQ is not connected')],
    ['a wrapped transient cause', new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ECONNRESET' }) })],
    ["pg's lost connection, which has no code", new Error('Connection terminated unexpectedly')],
    ["pg's connect timeout", new Error('Connection terminated due to connection timeout')],
    ['a pg client used again after it broke', new Error('Client has encountered a connection error and is not queryable')],
    ['a statement cancelled by statement_timeout', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })],
  ])('%s is transient', (_, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  it.each([
    ['a division by zero', prismaError('P2010', { kind: 'postgres', originalCode: '22012' })],
    ['a unique violation', prismaError('P2002')],
    ['a broken contract', new PermanentMessageError('payload breaks its contract')],
    ['a programming error', new TypeError('cannot read properties of undefined')],
    ['not an error at all', 'boom'],
  ])('%s is not transient', (_, error) => {
    expect(isTransientError(error)).toBe(false);
  });
});
