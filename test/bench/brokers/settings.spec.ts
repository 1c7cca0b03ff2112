import { CONFIGURATIONS } from '../../../bench/brokers/configurations';
import { readSettings } from '../../../bench/brokers/settings';

describe('the broker benchmark settings', () => {
  it('when nothing is set, then every configuration runs 10 s at saturation and 10 s at 1,000 msg/s, with restarts', () => {
    const settings = readSettings({});
    expect(settings).toMatchObject({ seconds: 10, ratePerSec: 1_000, drainSeconds: 30, warmUpSeconds: 5, restarts: true });
    expect(settings.configurations.map(({ name }) => name)).toEqual(CONFIGURATIONS.map(({ name }) => name));
  });

  it('reads BENCH_BROKER_* variables', () => {
    const settings = readSettings({
      BENCH_BROKER_SECONDS: '2',
      BENCH_BROKER_RATE: '250.5',
      BENCH_BROKER_DRAIN_SECONDS: '5',
      BENCH_BROKER_WARMUP_SECONDS: '0',
      BENCH_BROKER_RESTARTS: 'no',
    });
    expect(settings).toMatchObject({ seconds: 2, ratePerSec: 250.5, drainSeconds: 5, warmUpSeconds: 0, restarts: false });
  });

  it('runs the configurations named, in the benchmark order whatever order they are named in', () => {
    const settings = readSettings({ BENCH_BROKER_CONFIGS: 'redis-aof, rabbitmq-quorum' });
    expect(settings.configurations.map(({ name }) => name)).toEqual(['rabbitmq-quorum', 'redis-aof']);
  });

  it('refuses a value that makes no sense, naming the variable', () => {
    expect(() => readSettings({ BENCH_BROKER_SECONDS: '1.5' })).toThrow('BENCH_BROKER_SECONDS must be a whole number > 0, was "1.5"');
    expect(() => readSettings({ BENCH_BROKER_RATE: '0' })).toThrow('BENCH_BROKER_RATE must be a number > 0, was "0"');
    expect(() => readSettings({ BENCH_BROKER_DRAIN_SECONDS: 'soon' })).toThrow('BENCH_BROKER_DRAIN_SECONDS must be');
    expect(() => readSettings({ BENCH_BROKER_WARMUP_SECONDS: '-1' })).toThrow('BENCH_BROKER_WARMUP_SECONDS must be a whole number >= 0, was "-1"');
    expect(() => readSettings({ BENCH_BROKER_RESTARTS: 'true' })).toThrow('BENCH_BROKER_RESTARTS must be "yes" or "no", was "true"');
    expect(() => readSettings({ BENCH_BROKER_CONFIGS: 'kafka-acks1,kafka-acks0' })).toThrow('BENCH_BROKER_CONFIGS names no configuration "kafka-acks0"; known: rabbitmq-transient');
  });
});
