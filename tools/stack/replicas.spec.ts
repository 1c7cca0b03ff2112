import { instancePort, MAX_REPLICAS, ONE_OF_EACH, poolSizesPerInstance, ReplicaSettingError, replicasFrom } from './replicas';
import { SERVICES } from './stack.config';

const everyService = (count: number) => Object.fromEntries(SERVICES.map(({ name }) => [name, count]));

describe('replicasFrom', () => {
  it('runs one instance of each service unless told otherwise', () => {
    expect(replicasFrom([], {})).toEqual(ONE_OF_EACH);
  });

  it.each([
    [['--replicas', '3'], {}],
    [['--replicas=3'], {}],
    [[], { STACK_REPLICAS: '3' }],
    [['--replicas', '2'], { STACK_REPLICAS: ' 3 ' }],
  ])('gives every service the same count: %j %j', (args, env) => {
    expect(replicasFrom(args, env)).toEqual(everyService(3));
  });

  it('lets STACK_REPLICAS name services, which override the flag for them', () => {
    expect(replicasFrom(['--replicas', '2'], { STACK_REPLICAS: 'order=3, inventory=1' })).toEqual({
      ...everyService(2),
      order: 3,
      inventory: 1,
    });
  });

  it.each([
    [['--replicas', '0'], {}, '--replicas must be a whole number from 1 to 9, not "0"'],
    [['--replicas', `${MAX_REPLICAS + 1}`], {}, `--replicas must be a whole number from 1 to 9, not "10"`],
    [['--replicas'], {}, '--replicas needs a number'],
    [['--replicas=two'], {}, 'not "two"'],
    [[], { STACK_REPLICAS: '1.5' }, 'STACK_REPLICAS must be a whole number from 1 to 9, not "1.5"'],
    [[], { STACK_REPLICAS: 'orders=2' }, 'STACK_REPLICAS names "orders", which is not a service'],
    [[], { STACK_REPLICAS: 'order=2,order=3' }, 'STACK_REPLICAS names order twice'],
    [[], { STACK_REPLICAS: 'order=2=3' }, 'takes service=count pairs'],
    [[], { STACK_REPLICAS: 'order=' }, `STACK_REPLICAS's order must be a whole number`],
  ])('refuses %j %j, saying which setting and why', (args, env, message) => {
    expect(() => replicasFrom(args, env)).toThrow(ReplicaSettingError);
    expect(() => replicasFrom(args, env)).toThrow(message);
  });
});

describe('instancePort', () => {
  it('puts every instance of every service, on either platform, on a port of its own', () => {
    const ports = [{}, { ORDER_PORT: '3100', INVENTORY_PORT: '3101', PAYMENT_PORT: '3102', NOTIFICATION_PORT: '3103', POINTS_PORT: '3104' }].flatMap(
      (env) => SERVICES.flatMap((spec) => [env[`${spec.name.toUpperCase()}_PORT` as keyof typeof env] ?? spec.port, ...Array.from({ length: MAX_REPLICAS }, (_, index) => instancePort(spec, index + 1, env))]),
    );
    expect(new Set(ports.map(Number)).size).toBe(ports.length);
    expect(instancePort(SERVICES.find(({ name }) => name === 'order')!, 2, {})).toBe(3020);
  });
});

describe('poolSizesPerInstance', () => {
  it("shares a service's connections out between its instances, keeping at least two each", () => {
    expect(poolSizesPerInstance(1, {})).toEqual({ DATABASE_POOL_SIZE: '10', API_DB_POOL_SIZE: '8', OUTBOX_RELAY_CONCURRENCY: '2' });
    expect(poolSizesPerInstance(3, {})).toEqual({ DATABASE_POOL_SIZE: '4', API_DB_POOL_SIZE: '3', OUTBOX_RELAY_CONCURRENCY: '1' });
    expect(poolSizesPerInstance(9, {})).toEqual({ DATABASE_POOL_SIZE: '2', API_DB_POOL_SIZE: '2', OUTBOX_RELAY_CONCURRENCY: '1' });
  });

  it('keeps a size set in the environment', () => {
    expect(poolSizesPerInstance(3, { DATABASE_POOL_SIZE: '20' })).toEqual({ DATABASE_POOL_SIZE: '20', API_DB_POOL_SIZE: '3', OUTBOX_RELAY_CONCURRENCY: '1' });
  });
});
