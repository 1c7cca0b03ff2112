import type { HttpClient } from './http-client';
import type { PlatformService } from './platform';

/** How many new traces the services record during a step: 0 (none) or 1 (every order). */
export type SampleRatio = 0 | 1;

/**
 * Sets every service's sampling ratio through its `PUT /admin/tracing`, so one run can measure the
 * same load with and without recording traces, step after step, on a machine whose speed drifts
 * by more than the difference between two runs started minutes apart.
 */
export async function setSampleRatio(client: HttpClient, services: readonly PlatformService[], ratio: SampleRatio, apiKey?: string): Promise<void> {
  const refused: string[] = [];
  for (const service of services) {
    const outcome = await client.send('PUT', `${service.url}/admin/tracing`, { sampleRatio: ratio }, apiKey ? { 'x-api-key': apiKey } : {});
    if (outcome.kind !== 'answer' || outcome.status !== 200) {
      refused.push(`${service.name}: ${outcome.kind === 'answer' ? `${outcome.status} ${outcome.body}` : outcome.code}`);
    }
  }
  if (refused.length > 0) {
    throw new Error(`could not set the sampling ratio (comparing tracing needs tracing on in every service, and API_KEY when they have one): ${refused.join('; ')}`);
  }
}

/** Off, on, on, off, off, on...: each rate's pair starts where the previous one ended, so a drift in the machine's speed favours neither. */
export const ratiosForStep = (index: number): readonly SampleRatio[] => (index % 2 === 0 ? [0, 1] : [1, 0]);
