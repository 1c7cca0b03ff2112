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
 * Who may call admin endpoints (data set-up, dead letters, replays): with an API_KEY, a request
 * with the right X-API-Key header (body-less POSTs too; a browser cannot add the header cross-site
 * without CORS consent, which nothing here gives).
 *
 * Without a key they are for this machine only: the app listens on loopback (see the HOST rule in
 * config.ts), and a request must name a loopback host and come from no foreign page. A web page
 * open in a local browser could otherwise post a form to 127.0.0.1, or rebind its own domain name
 * to it. The services and the console apply the same rule.
 */
export class AdminAccess {
  private readonly expectedDigest: Buffer | undefined;

  constructor(apiKey: string | undefined) {
    this.expectedDigest = apiKey === undefined ? undefined : sha256(apiKey);
  }

  /** Whether the request may see what only operators may: the rules above, as a yes or no. */
  allows(request: Request): boolean {
    if (!this.expectedDigest) return fromThisMachine(request);
    // Digests have one length, so the comparison's time tells nothing about the key, not even its length.
    return timingSafeEqual(sha256(request.header('x-api-key') ?? ''), this.expectedDigest);
  }

  /** Lets the request through, or throws the answer it gets: 401 without the right key, 403 from elsewhere without one. */
  check(request: Request): true {
    if (this.allows(request)) return true;
    if (!this.expectedDigest) {
      throw new ForbiddenException('without an API_KEY, admin endpoints answer only requests for a loopback host from no other site');
    }
    throw new UnauthorizedException('this admin endpoint needs a valid X-API-Key header');
  }
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly access: AdminAccess;

  constructor(@Inject(PLATFORM_OPTIONS) options: PlatformOptions) {
    this.access = new AdminAccess(options.config.API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    return this.access.check(context.switchToHttp().getRequest<Request>());
  }

  allows(request: Request): boolean {
    return this.access.allows(request);
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
