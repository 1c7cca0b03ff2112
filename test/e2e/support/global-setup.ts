import { startStack, type Stack } from '../../../tools/stack/stack';

declare global {
  var e2eStack: Stack | undefined;
}

/**
 * Starts what the end-to-end suites need, once: brokers and databases that are down, the
 * migrations, and the five services built in dist/. Whatever already runs (npm start in another
 * terminal) is reused and left alone.
 */
export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stdout.write(`[e2e stack] ${line}\n`);
  globalThis.e2eStack = await startStack(log);
}
