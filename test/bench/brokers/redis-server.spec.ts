import { launchArguments, type LaunchSetting, parseInfo } from '../../../bench/brokers/redis-server';

const AS_STARTED_HERE: Record<LaunchSetting, string> = {
  port: '6379',
  bind: '127.0.0.1 -::1',
  dir: '/var/lib/redis',
  logfile: '/var/log/redis/ci.log',
  save: '',
  appendonly: 'no',
  appendfsync: 'everysec',
  appenddirname: 'appendonlydir',
  appendfilename: 'appendonly.aof',
  dbfilename: 'dump.rdb',
};

describe('relaunching Redis from its settings', () => {
  it('gives every address of bind its own argument and an empty save list one empty argument, as `--save ""` on a shell', () => {
    expect(launchArguments(AS_STARTED_HERE)).toEqual([
      '--daemonize', 'yes',
      '--port', '6379',
      '--bind', '127.0.0.1', '-::1',
      '--dir', '/var/lib/redis',
      '--logfile', '/var/log/redis/ci.log',
      '--save', '',
      '--appendonly', 'no',
      '--appendfsync', 'everysec',
      '--appenddirname', 'appendonlydir',
      '--appendfilename', 'appendonly.aof',
      '--dbfilename', 'dump.rdb',
    ]); // prettier-ignore
  });

  it('keeps a list of save points as separate arguments', () => {
    const args = launchArguments({ ...AS_STARTED_HERE, save: '3600 1 300 100' });
    expect(args.slice(args.indexOf('--save'), args.indexOf('--appendonly'))).toEqual(['--save', '3600', '1', '300', '100']);
  });

  it('with AOF asked for, then the same server with appendonly yes', () => {
    const args = launchArguments(AS_STARTED_HERE, { appendonly: 'yes', appendfsync: 'everysec' });
    expect(args.slice(args.indexOf('--appendonly'), args.indexOf('--appendonly') + 2)).toEqual(['--appendonly', 'yes']);
    expect(args.filter((arg) => arg === '--appendonly')).toHaveLength(1);
  });

  it('refuses to guess a setting it was not given', () => {
    const { logfile: _logfile, ...withoutLogfile } = AS_STARTED_HERE;
    expect(() => launchArguments(withoutLogfile as Record<LaunchSetting, string>)).toThrow('no value for the Redis setting logfile');
  });
});

describe('reading INFO', () => {
  it('takes the key:value lines and skips the section headers', () => {
    const info = parseInfo('# Server\r\nredis_version:7.0.15\r\nprocess_id:2235\r\nexecutable:/redis-server\r\n\r\n# Persistence\r\nloading:0\r\n');
    expect(Object.fromEntries(info)).toEqual({ redis_version: '7.0.15', process_id: '2235', executable: '/redis-server', loading: '0' });
  });
});
