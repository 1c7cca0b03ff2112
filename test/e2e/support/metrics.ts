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

/** Sum of every sample of the counter `name` that one service reports. */
export async function counterOf(service: keyof typeof urls, name: string): Promise<number> {
  const text = await (await fetch(`${urls[service]}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/.exec(line);
    if (match && match[1] === name) total += Number(match[2]);
  }
  return total;
}
