import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { MAX_ID_LENGTH } from '@platform/contracts';
import { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Validates a request body (or a route parameter) against a zod schema. Bad input is answered
 * 400 with every bad field named, before any handler, and so any write, runs.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    /** The name reported for a problem with the value as a whole: 'body', or a parameter's name. */
    private readonly subject = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const fields: FieldError[] = parsed.error.issues.map((issue) => ({
      field: issue.path.length > 0 ? issue.path.join('.') : this.subject,
      message: issue.message,
    }));
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: `invalid request: ${[...new Set(fields.map(({ field }) => field))].join(', ')}`,
      fields,
    });
  }
}

/** An id in a path or a body (a sku, a customer id): one rule, one wording, on every endpoint. */
export const identifier = z
  .string({ error: 'must be a non-empty string' })
  .regex(/\S/, { error: 'must be a non-empty string' })
  .max(MAX_ID_LENGTH, { error: `must be at most ${MAX_ID_LENGTH} characters` });

/** `?orderId=` on the read endpoints: an order id is a UUID, and anything else is a 400 that says so. */
export const orderIdQuery = z.uuid({ error: 'must be an order id (a UUID)' });
