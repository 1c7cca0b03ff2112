import type { ExecutionContext } from '@nestjs/common';
import { UnauthorizedException } from '@nestjs/common';
import { ApiKeyGuard } from './admin.guard';
import type { PlatformOptions } from './platform.options';

const guardWith = (apiKey?: string) => new ApiKeyGuard({ config: { API_KEY: apiKey } } as unknown as PlatformOptions);
const requestWith = (header?: string) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ header: () => header }) }) }) as unknown as ExecutionContext;

describe('admin endpoints', () => {
  it('are open when the service has no API_KEY', () => {
    expect(guardWith(undefined).canActivate(requestWith(undefined))).toBe(true);
  });

  it('answer 401 without the key, or with a wrong one', () => {
    expect(() => guardWith('s3cret-key-of-at-least-32-chars-0').canActivate(requestWith(undefined))).toThrow(UnauthorizedException);
    expect(() => guardWith('s3cret-key-of-at-least-32-chars-0').canActivate(requestWith('s3cret-key-of-at-least-32-chars-1'))).toThrow(UnauthorizedException);
    expect(() => guardWith('s3cret-key-of-at-least-32-chars-0').canActivate(requestWith('s3cret'))).toThrow(UnauthorizedException);
  });

  it('let the request through with the right X-API-Key', () => {
    expect(guardWith('s3cret-key-of-at-least-32-chars-0').canActivate(requestWith('s3cret-key-of-at-least-32-chars-0'))).toBe(true);
  });
});
