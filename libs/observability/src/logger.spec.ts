import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { bufferedOutput } from './logger';

async function eventually(condition: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not true within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('buffered log output', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'logger-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const contains = (file: string, text: string) => existsSync(file) && readFileSync(file, 'utf8').includes(text);
  const destinationIn = (file: string) => pino.destination({ dest: file, sync: false, minLength: 4096, mkdir: true });

  it('writes a lone short line soon after, not when 4 KiB have gathered', async () => {
    const file = join(dir, 'short.log');
    const output = bufferedOutput(destinationIn(file));
    output.write('{"msg":"the only line"}\n');
    await eventually(() => contains(file, 'the only line'), 2_000);
  });

  it('writes the lines that came in while a large write was under way', async () => {
    const file = join(dir, 'busy.log');
    const output = bufferedOutput(destinationIn(file));
    output.write(`{"msg":"${'x'.repeat(64 * 1024)}"}\n`);
    for (let line = 1; line <= 3; line += 1) output.write(`{"msg":"after the large one, ${line}"}\n`);
    await eventually(() => contains(file, 'after the large one, 3'), 2_000);
  });
});
