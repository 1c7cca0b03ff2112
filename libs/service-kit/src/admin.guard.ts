import { createHash, timingSafeEqual } from 'node:crypto';
import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  ForbiddenException,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { isLoopback } from './config';
import { PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';

/**
 * Admin endpoints (data set-up, dead letters, replays) answer 401 without the right X-API-Key
 * header, when the service has an API_KEY; body-less POSTs too, and a browser cannot add the
 * header cross-site without CORS consent, which no service gives.
 *
 * Without a key they are for this machine only: the service listens on loopback (see the HOST
 * rule in config.ts), and a request must name a loopback host and come from no foreign page. A
 * web page open in a local browser could otherwise post a form to 127.0.0.1, or rebind its own
 * domain name to it.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expectedDigest: Buffer | undefined;

  constructor(@Inject(PLATFORM_OPTIONS) options: PlatformOptions) {
    this.expectedDigest = options.config.API_KEY === undefined ? undefined : sha256(options.config.API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (this.allows(request)) return true;
    if (!this.expectedDigest) {
      throw new ForbiddenException('without an API_KEY, admin endpoints answer only requests for a loopback host from no other site');
    }
    throw new UnauthorizedException('this admin endpoint needs a valid X-API-Key header');
  }

  /** Whether the request may see what only operators may: the rules above, as a yes or no. */
  allows(request: Request): boolean {
    if (!this.expectedDigest) return fromThisMachine(request);
    // Digests have one length, so the comparison's time tells nothing about the key, not even its length.
    return timingSafeEqual(sha256(request.header('x-api-key') ?? ''), this.expectedDigest);
  }
}

export const AdminEndpoint = () => applyDecorators(UseGuards(ApiKeyGuard));

const sha256 = (text: string) => createHash('sha256').update(text).digest();

function fromThisMachine(request: Request): boolean {
  const hostOf = (authority: string) => authority.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const host = request.header('host');
  if (!host || !isLoopback(hostOf(host))) return false;
  const origin = request.header('origin');
  if (origin !== undefined && !(URL.canParse(origin) && isLoopback(hostOf(new URL(origin).host)))) return false;
  return request.header('sec-fetch-site') === undefined || ['same-origin', 'none'].includes(request.header('sec-fetch-site')!);
}
