import type { DeadLetter } from '@platform/messaging';
import { http, urls } from './platform';

/** The dead letters of a queue or topic the service consumes, through its admin API (the same on both brokers). */
export async function deadLettersOf(service: keyof typeof urls, source: string, { includeRedriven = false } = {}): Promise<DeadLetter[]> {
  const response = await http<DeadLetter[]>('GET', `${urls[service]}/admin/dead-letters/${source}?limit=1000&all=${includeRedriven}`);
  if (response.status !== 200) throw new Error(`listing the dead letters of ${source} answered ${response.status}`);
  return response.body;
}
