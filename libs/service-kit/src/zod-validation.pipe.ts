import { BadRequestException, type PipeTransform } from '@nestjs/common';
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

/** `?orderId=` on the read endpoints: an order id is a UUID, and anything else is a 400 that says so. */
export const orderIdQuery = z.uuid({ error: 'must be an order id (a UUID)' });
