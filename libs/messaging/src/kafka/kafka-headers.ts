import type { IHeaders } from 'kafkajs';

export function readHeader(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Set on a re-driven copy: `<dead-letter topic>:<partition>:<offset>` of the letter it came from. */
export const REDRIVEN_FROM_HEADER = 'redriven-from';

/**
 * Set on a re-driven copy: the consumer group that gave up on the letter. Only that group takes
 * the copy; the others had applied the original, or dead-lettered it themselves (and get their own
 * letter re-driven), so a poison message re-driven to a topic two groups read is not dead-lettered twice.
 */
export const REDRIVEN_FOR_GROUP_HEADER = 'redriven-for-group';
