import { groupPlatformProcesses } from '../../../bench/saga/platform';
import type { ProcessEntry } from '../../../bench/saga/process-cpu';

const entry = (pid: number, parentPid: number, argv: string[]): ProcessEntry => ({
  argv,
  cpu: { pid, parentPid, startTime: pid, ownTicks: 1, reapedChildrenTicks: 0 },
});

describe('recognising the platform processes by their command lines', () => {
  const table = [
    entry(1, 0, ['/sbin/init']),
    entry(100, 1, ['node', 'dist/tools/stack/start.js']),
    entry(101, 100, ['/usr/bin/node', '--enable-source-maps', '/work/main/dist/apps/order/src/main.js']),
    entry(102, 100, ['/usr/bin/node', '--enable-source-maps', '/work/main/dist/apps/points/src/main.js']),
    entry(200, 1, ['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main']),
    entry(201, 200, ['postgres: 15/main: checkpointer ']),
    entry(202, 200, ['postgres: 15/main: postgres order_service 127.0.0.1(40312) idle']),
    entry(300, 1, ['/usr/lib/erlang/erts-13.1.5/bin/beam.smp', '-W', 'w', '--', '-s', 'rabbit', 'boot']),
    entry(301, 300, ['erl_child_setup', '1024']),
    entry(400, 1, ['java', '-Xmx512m', '-cp', '/cache/kafka/libs/*', 'kafka.Kafka', '/cache/server.properties']),
    entry(500, 1, ['redis-server 127.0.0.1:6379']),
    entry(600, 1, ['java', '-jar', 'some-other-app.jar']),
    entry(700, 1, ['node', 'dist/bench/saga.bench.js']),
  ];
  const pids = (group: string) => groupPlatformProcesses(table).get(group as never)?.map((process) => process.pid);

  it('finds each service by its entry point, not its supervisor', () => {
    expect(pids('order')).toEqual([101]);
    expect(pids('points')).toEqual([102]);
    expect(pids('payment')).toEqual([]);
  });

  it('counts the helpers a server forks with that server', () => {
    expect(pids('postgresql')).toEqual([200, 201, 202]);
    expect(pids('rabbitmq')).toEqual([300, 301]);
  });

  it('tells Kafka from any other Java process, and finds Redis under its rewritten title', () => {
    expect(pids('kafka')).toEqual([400]);
    expect(pids('redis')).toEqual([500]);
  });

  it("counts npm start's own process as the load balancers it runs for replicated services", () => {
    expect(pids('balancers')).toEqual([100]);
  });

  it('leaves out everything else, the benchmark included', () => {
    const grouped = [...groupPlatformProcesses(table).values()].flat().map((process) => process.pid);
    expect(grouped).not.toContain(600);
    expect(grouped).not.toContain(700);
  });
});
