/** Stops only what the global setup started. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.e2eStack?.stop();
}
