import { type CustomTypesConfig, types } from 'pg';

/**
 * Money and counts are stored as bigint and travel as JSON numbers, which hold integers exactly
 * up to 2^53 - 1. The contract's limits keep every value below that (an order's total stays
 * under 10^13 cents); this turns a stored bigint into a number, and refuses one it could only
 * round, rather than answer a wrong amount.
 */
export function exactInteger(value: bigint | number | string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || BigInt(value) !== BigInt(number)) {
    throw new RangeError(`${value} is beyond the integers a JSON number holds exactly (2^53 - 1)`);
  }
  return number;
}

/** pg's parsers, except that bigint columns arrive as exact numbers instead of strings. */
export const bigintsAsNumbers: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8 && format !== 'binary'
      ? (text: string) => exactInteger(text)
      : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};
