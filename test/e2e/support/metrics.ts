import { urls } from './platform';

/** Sum of `messages_consumed_total` samples, over every service, whose outcome is one of `outcomes`. */
export async function messagesConsumed(outcomes: readonly string[]): Promise<number> {
  const texts = await Promise.all(Object.values(urls).map(async (url) => (await fetch(`${url}/metrics`)).text()));
  let total = 0;
  for (const line of texts.join('\n').split('\n')) {
    const match = /^messages_consumed_total\{[^}]*outcome="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (match && outcomes.includes(match[1])) total += Number(match[2]);
  }
  return total;
}
