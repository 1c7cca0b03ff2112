import { urls } from './platform';

type Service = keyof typeof urls;

/** The samples of `name` that the process at `baseUrl` (one instance of a service) reports, with their labels. */
export async function samplesAt(baseUrl: string, name: string): Promise<{ labels: string; value: number }[]> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .map((line) => /^(\w+)(?:\{([^}]*)\})? (\d+(?:\.\d+)?)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[1] === name)
    .map((match) => ({ labels: match[2] ?? '', value: Number(match[3]) }));
}

/** The samples of `name` one service reports; none is an error (a renamed metric, a consumer that never started). */
async function samplesOf(service: Service, name: string): Promise<{ labels: string; value: number }[]> {
  const samples = await samplesAt(urls[service], name);
  if (samples.length === 0) throw new Error(`the ${service} service reports no ${name}`);
  return samples;
}

/** Sum of every sample of the counter `name` that one service reports. */
export async function counterOf(service: Service, name: string): Promise<number> {
  return (await samplesOf(service, name)).reduce((sum, { value }) => sum + value, 0);
}

const sumWithOutcome = (samples: readonly { labels: string; value: number }[], outcomes: readonly string[]) =>
  samples.filter(({ labels }) => outcomes.some((outcome) => labels.includes(`outcome="${outcome}"`))).reduce((sum, { value }) => sum + value, 0);

/** Messages one consumer (a queue or consumer group) of one service handled with one of `outcomes`. */
export async function messagesConsumedBy(service: Service, consumer: string, outcomes: readonly string[]): Promise<number> {
  const mine = (await samplesOf(service, 'messages_consumed_total')).filter(({ labels }) => labels.includes(`consumer="${consumer}"`));
  if (mine.length === 0) throw new Error(`the ${service} service reports no messages_consumed_total for ${consumer}`);
  return sumWithOutcome(mine, outcomes);
}
