/** Stops the cluster platform: its services and both broker clusters. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.clusterStack?.stop();
}
