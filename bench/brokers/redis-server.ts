import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';
import { answers } from '../../tools/stack/infrastructure';
import { connectRedis, REDIS_HOST, REDIS_PORT } from './redis-streams';

/**
 * The settings a relaunch passes on the command line, read from the running server. Redis
 * overwrites its own argv with its process title ("redis-server 127.0.0.1:6379"), so
 * /proc/<pid>/cmdline no longer holds the command it was started with: the server's configuration
 * is what is left of it. These are the settings that decide where it listens and what it persists.
 */
export const LAUNCH_SETTINGS = ['port', 'bind', 'dir', 'logfile', 'save', 'appendonly', 'appendfsync', 'appenddirname', 'appendfilename', 'dbfilename'] as const;
export type LaunchSetting = (typeof LAUNCH_SETTINGS)[number];

/** Settings that hold a list: each item is its own argument, and an empty list is one empty argument (`--save ""`). */
const LIST_SETTINGS: readonly LaunchSetting[] = ['bind', 'save'];

/** The command-line arguments that start a server with these settings, detached (`--daemonize yes`). */
export function launchArguments(settings: Readonly<Record<LaunchSetting, string>>, overrides: Partial<Record<LaunchSetting, string>> = {}): string[] {
  const args = ['--daemonize', 'yes'];
  for (const setting of LAUNCH_SETTINGS) {
    const value = overrides[setting] ?? settings[setting];
    if (value === undefined) throw new Error(`no value for the Redis setting ${setting}`);
    const items = LIST_SETTINGS.includes(setting) ? value.split(/\s+/).filter(Boolean) : [value];
    args.push(`--${setting}`, ...(items.length > 0 ? items : ['']));
  }
  return args;
}

/** `key:value` lines of INFO, as a map. */
export function parseInfo(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** The running server as the benchmark found it: enough to stop it, start it again the same way, and tidy its directory. */
export interface RedisServer {
  readonly pid: number;
  readonly executable: string;
  /**
   * The name it was started by. It matters: redis-server, redis-check-rdb and redis-check-aof are
   * one binary (Debian links the first to the second) that does what its argv[0] says.
   */
  readonly programName: string;
  readonly workingDirectory: string;
  readonly settings: Readonly<Record<LaunchSetting, string>>;
  readonly version: string;
  /** Whether the AOF directory existed before the benchmark: if not, the benchmark removes the one it caused. */
  readonly appendDirectoryExisted: boolean;
}

export async function describeRedisServer(redis: Redis): Promise<RedisServer> {
  const info = parseInfo(await redis.info('server'));
  const pid = Number(info.get('process_id'));
  const settings = {} as Record<LaunchSetting, string>;
  for (const setting of LAUNCH_SETTINGS) {
    const [, value] = (await redis.config('GET', setting)) as [string, string];
    settings[setting] = value;
  }
  const workingDirectory = readlinkSync(`/proc/${pid}/cwd`);
  const programName = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].split(' ')[0];
  return {
    pid,
    programName,
    executable: executableOf(pid, programName),
    workingDirectory,
    settings,
    version: info.get('redis_version') ?? 'unknown',
    appendDirectoryExisted: existsSync(appendDirectory(workingDirectory, settings)),
  };
}

/**
 * The file to run. INFO's `executable` is the working directory joined to argv[0], wrong when the
 * server was started from PATH; /proc/<pid>/exe is the file with every link resolved, and running
 * that (redis-check-rdb on Debian) would give the process another name in `ps -o comm`, `pgrep`
 * and `pkill`. The link named like the program, beside that file, is what was run.
 */
function executableOf(pid: number, programName: string): string {
  const file = readlinkSync(`/proc/${pid}/exe`);
  const link = path.join(path.dirname(file), path.basename(programName));
  return existsSync(link) ? link : file;
}

const appendDirectory = (workingDirectory: string, settings: Readonly<Record<LaunchSetting, string>>) =>
  path.resolve(workingDirectory, settings.dir, settings.appenddirname);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops the server and waits for its process to end. A plain SHUTDOWN is the graceful stop: it
 * writes what the server's own persistence settings say to write (nothing, with `save ""` and no
 * AOF). NOSAVE writes no snapshot whatever the settings say.
 */
export async function shutDown(redis: Redis, mode: 'as-configured' | 'nosave'): Promise<void> {
  const pid = Number(parseInfo(await redis.info('server')).get('process_id'));
  const answer = await (mode === 'nosave' ? redis.call('SHUTDOWN', 'NOSAVE') : redis.call('SHUTDOWN')).then(
    (reply) => ({ refused: `SHUTDOWN answered ${String(reply)}` }),
    (error: Error) => (/Connection is closed/.test(error.message) ? { refused: null } : { refused: error.message }),
  );
  if (answer.refused) throw new Error(`Redis would not shut down: ${answer.refused}`);
  for (let waited = 0; existsSync(`/proc/${pid}`); waited += 50) {
    if (waited > 30_000) throw new Error(`Redis (pid ${pid}) still runs 30 s after SHUTDOWN`);
    await sleep(50);
  }
}

/** A command line as a shell would take it: an empty argument shows as "". */
export const shellWords = (args: readonly string[]) => args.map((arg) => (arg === '' ? '""' : arg)).join(' ');

/** Runs the server's program with these arguments; with --daemonize yes it returns once the server has forked. */
function start(server: RedisServer, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(server.executable, [...args], { argv0: server.programName, cwd: server.workingDirectory, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${server.programName} ${shellWords(args)} exited ${code}: ${output.trim()}`))));
  });
}

/** Starts the server with these arguments and waits until it answers with its data loaded. */
export async function launch(server: RedisServer, args: readonly string[]): Promise<void> {
  await start(server, args);
  const deadline = Date.now() + 60_000;
  while (!(await answers(REDIS_HOST, REDIS_PORT))) {
    if (Date.now() > deadline) throw new Error(`Redis did not answer on ${REDIS_HOST}:${REDIS_PORT} within 60 s of its launch`);
    await sleep(100);
  }
  const redis = connectRedis('bench.brokers launch check');
  try {
    while (parseInfo(await redis.info('persistence')).get('loading') !== '0') await sleep(100);
  } finally {
    redis.disconnect();
  }
}

const AOF_REWRITE_TIMEOUT_MS = 60_000;

export async function setAppendOnly(redis: Redis): Promise<void> {
  await redis.config('SET', 'appendfsync', 'everysec');
  await redis.config('SET', 'appendonly', 'yes');
  // Turning AOF on rewrites the whole data set into a new AOF in the background; measure after it.
  const deadline = Date.now() + AOF_REWRITE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const persistence = parseInfo(await redis.info('persistence'));
    if (persistence.get('aof_last_bgrewrite_status') === 'err') throw new Error('Redis could not write its AOF (aof_last_bgrewrite_status: err); see its log');
    if (persistence.get('aof_enabled') === '1' && persistence.get('aof_rewrite_in_progress') === '0' && persistence.get('aof_rewrite_scheduled') === '0') return;
    await sleep(100);
  }
  throw new Error(`Redis had not finished turning AOF on after ${AOF_REWRITE_TIMEOUT_MS / 1000} s`);
}

/** Puts back the AOF settings the server was found with, without a restart. */
export async function restoreAppendOnly(redis: Redis, server: RedisServer): Promise<void> {
  await redis.config('SET', 'appendonly', server.settings.appendonly);
  await redis.config('SET', 'appendfsync', server.settings.appendfsync);
}

/** Leaves the directory as the benchmark found it: an AOF directory it caused is removed. */
export function removeAppendDirectoryIfNew(server: RedisServer): string | null {
  const directory = appendDirectory(server.workingDirectory, server.settings);
  if (server.appendDirectoryExisted || !existsSync(directory)) return null;
  rmSync(directory, { recursive: true });
  return directory;
}
