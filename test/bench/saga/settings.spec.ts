import { readSettings } from '../../../bench/saga/settings';

describe('the benchmark settings', () => {
  it('when nothing is set, then it climbs 25 to 200 orders/s for 20 s each and ends with a burst of 5,000 over 64 connections', () => {
    expect(readSettings({}, [])).toMatchObject({
      ratesPerSec: [25, 50, 100, 150, 200],
      stepSeconds: 20,
      burstOrders: 5_000,
      burstConnections: 64,
      idleSeconds: 30,
    });
  });

  it('reads BENCH_* variables', () => {
    const settings = readSettings({ BENCH_RATES: '5,10,20', BENCH_STEP_SECONDS: '5', BENCH_BURST: '0', BENCH_IDLE_SECONDS: '3', BENCH_DRAIN_TIMEOUT_SECONDS: '90' }, []);
    expect(settings).toMatchObject({ ratesPerSec: [5, 10, 20], stepSeconds: 5, burstOrders: 0, idleSeconds: 3, drainTimeoutSeconds: 90 });
  });

  it('when a flag and its variable are both given, then the flag wins', () => {
    expect(readSettings({ BENCH_RATES: '5,10' }, ['--rates=2.5', '--burst-connections=8'])).toMatchObject({ ratesPerSec: [2.5], burstConnections: 8 });
  });

  it('refuses an unknown flag, a rate that is not positive and a count that is not whole', () => {
    expect(() => readSettings({}, ['--rate=5'])).toThrow('unknown argument --rate=5');
    expect(() => readSettings({}, ['--rates'])).toThrow('unknown argument --rates');
    expect(() => readSettings({ BENCH_RATES: '5,0' }, [])).toThrow('BENCH_RATES (--rates) must be');
    expect(() => readSettings({ BENCH_BURST: '1.5' }, [])).toThrow('BENCH_BURST (--burst) must be a whole number >= 0, was "1.5"');
  });

  it('compares tracing only when asked to: every trace (true) or a share of them against none', () => {
    expect(readSettings({}, []).compareTracing).toBeNull();
    expect(readSettings({ BENCH_COMPARE_TRACING: 'true' }, []).compareTracing).toBe(1);
    expect(readSettings({}, ['--compare-tracing=0.1']).compareTracing).toBe(0.1);
    expect(readSettings({ BENCH_COMPARE_TRACING: 'true' }, ['--compare-tracing=false']).compareTracing).toBeNull();
    for (const wrong of ['yes', '0', '1.5']) {
      expect(() => readSettings({}, [`--compare-tracing=${wrong}`])).toThrow(`BENCH_COMPARE_TRACING (--compare-tracing) must be true, false or the share of traces to record (0 to 1], was "${wrong}"`);
    }
  });

  it('takes the admin key from API_KEY, as the services do', () => {
    expect(readSettings({ API_KEY: 'secret-key' }, []).apiKey).toBe('secret-key');
    expect(readSettings({}, [])).not.toHaveProperty('apiKey');
  });
});
