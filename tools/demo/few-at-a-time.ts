/**
 * `work` on every item, at most `concurrency` at a time, results in the items' order. A thousand
 * requests at once would overflow a service's listen backlog and come back as ECONNRESET.
 */
export async function fewAtATime<T, R>(items: readonly T[], work: (item: T) => Promise<R>, concurrency: number): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
