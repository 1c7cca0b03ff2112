import { bigintsAsNumbers, exactInteger } from './exact-integers';
import { types } from 'pg';

describe('exactInteger', () => {
  it('turns a bigint, a string or a number into the same exact number', () => {
    expect(exactInteger(10_000_000_000_000n)).toBe(10 ** 13);
    expect(exactInteger('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(exactInteger(-42)).toBe(-42);
  });

  it('refuses a value a JSON number could only round, instead of answering a wrong amount', () => {
    expect(() => exactInteger(9_007_199_254_740_993n)).toThrow(RangeError);
    expect(() => exactInteger('9007199254740993')).toThrow(/2\^53 - 1/);
  });

  it('is the parser pg uses for bigint columns, and leaves other types to pg', () => {
    const parseInt8 = bigintsAsNumbers.getTypeParser(types.builtins.INT8, 'text') as (text: string) => unknown;
    expect(parseInt8('123456789012')).toBe(123_456_789_012);
    expect(bigintsAsNumbers.getTypeParser(types.builtins.INT4, 'text')).toBe(types.getTypeParser(types.builtins.INT4, 'text'));
  });
});
