import { answers } from '../../../tools/stack/infrastructure';
import { run } from './commands';
import { eventually } from './platform';

export const redisIsUp = () => answers('127.0.0.1', 6379);

export async function stopRedis(): Promise<void> {
  await run('redis-cli', ['-p', '6379', 'shutdown', 'nosave']);
  await eventually(redisIsUp, (up) => !up, { what: 'Redis to stop' });
}

/** Starts Redis again as the stack does (no persistence), if a test stopped it. */
export async function ensureRedisIsUp(): Promise<void> {
  if (!(await redisIsUp())) {
    await run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no']);
  }
  await eventually(redisIsUp, (up) => up, { what: 'Redis to be back' });
}
