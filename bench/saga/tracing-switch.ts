import type { HttpClient } from './http-client';
import type { PlatformService } from './platform';

/**
 * Sets every service's sampling ratio through its `PUT /admin/tracing`, so one run can measure the
 * same load with and without recording traces, step after step, on a machine whose speed drifts
 * by more than the difference between two runs started minutes apart.
 */
export async function setSampleRatio(client: HttpClient, services: readonly PlatformService[], ratio: number, apiKey?: string): Promise<void> {
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
export const ratiosForStep = (index: number, compared: number): readonly number[] => (index % 2 === 0 ? [0, compared] : [compared, 0]);
