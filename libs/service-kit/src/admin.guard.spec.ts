import type { ExecutionContext } from '@nestjs/common';
import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { ApiKeyGuard } from './admin.guard';
import type { PlatformOptions } from './platform.options';

const KEY = 's3cret-key-of-at-least-32-chars-0';

const guardWith = (apiKey?: string) => new ApiKeyGuard({ config: { API_KEY: apiKey } } as unknown as PlatformOptions);
const requestWith = (headers: Record<string, string>) =>
  ({
    switchToHttp: () => ({ getRequest: () => ({ header: (name: string) => headers[name.toLowerCase()] }) }),
  }) as unknown as ExecutionContext;

describe('admin endpoints', () => {
  describe('when the service has no API_KEY', () => {
    it('are open to requests for a loopback host, as curl and the tools send them', () => {
      for (const host of ['127.0.0.1:3001', 'localhost:3001', '[::1]:3001', 'localhost']) {
        expect(guardWith(undefined).canActivate(requestWith({ host }))).toBe(true);
      }
      expect(guardWith(undefined).canActivate(requestWith({ host: 'localhost:3001', origin: 'http://127.0.0.1:3001' }))).toBe(true);
    });

    it('refuse a page from another site posting to this machine, or a domain rebound to it', () => {
      const refused: Record<string, string>[] = [
        { host: '127.0.0.1:3004', origin: 'https://evil.example' },
        { host: '127.0.0.1:3004', origin: 'null' },
        { host: '127.0.0.1:3004', 'sec-fetch-site': 'cross-site' },
        { host: 'evil.example:3004' },
        {},
      ];
      for (const headers of refused) expect(() => guardWith(undefined).canActivate(requestWith(headers))).toThrow(ForbiddenException);
    });
  });

  it('answer 401 without the key, or with a wrong one', () => {
    const host = '127.0.0.1:3001';
    expect(() => guardWith(KEY).canActivate(requestWith({ host }))).toThrow(UnauthorizedException);
    expect(() => guardWith(KEY).canActivate(requestWith({ host, 'x-api-key': `${KEY.slice(0, -1)}1` }))).toThrow(UnauthorizedException);
    expect(() => guardWith(KEY).canActivate(requestWith({ host, 'x-api-key': KEY.slice(0, 10) }))).toThrow(UnauthorizedException);
  });

  it('let the request through with the right X-API-Key, from any host', () => {
    expect(guardWith(KEY).canActivate(requestWith({ host: 'order.internal:3000', 'x-api-key': KEY }))).toBe(true);
  });
});
