import { z } from 'zod';

/**
 * The contract of one message type: its name, its version and the shape of its payload.
 * Producers and consumers import the same contract, so a payload that does not match it is
 * caught at the consumer's door (and dead-lettered) rather than deep inside a handler.
 */
export interface MessageContract<Schema extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly version: number;
  readonly schema: Schema;
}

export type PayloadOf<C extends MessageContract> = z.output<C['schema']>;

export function defineMessage<Schema extends z.ZodType>(
  type: string,
  version: number,
  schema: Schema,
): MessageContract<Schema> {
  return { type, version, schema };
}

export const orderId = z.uuid();
/** Longest sku or customer id accepted anywhere, so what the REST API takes every message can carry. */
export const MAX_ID_LENGTH = 200;
export const sku = z.string().min(1).max(MAX_ID_LENGTH);
export const customerId = z.string().min(1).max(MAX_ID_LENGTH);
export const cents = z.number().int().nonnegative();
