import { createHash, timingSafeEqual } from 'node:crypto';
import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';

/**
 * Admin endpoints (data set-up, dead letters, replays) answer 401 without the right X-API-Key
 * header, when the service has an API_KEY. Without one they are open, for local use only: the
 * service then listens on a loopback address (see the HOST rule in config.ts). The header is
 * required on body-less POSTs too, which a browser cannot send cross-site without CORS consent.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expectedDigest: Buffer | undefined;

  constructor(@Inject(PLATFORM_OPTIONS) options: PlatformOptions) {
    this.expectedDigest = options.config.API_KEY === undefined ? undefined : sha256(options.config.API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expectedDigest) return true;
    const given = context.switchToHttp().getRequest<Request>().header('x-api-key') ?? '';
    // Digests have one length, so the comparison's time tells nothing about the key, not even its length.
    if (timingSafeEqual(sha256(given), this.expectedDigest)) return true;
    throw new UnauthorizedException('this admin endpoint needs a valid X-API-Key header');
  }
}

export const AdminEndpoint = () => applyDecorators(UseGuards(ApiKeyGuard));

const sha256 = (text: string) => createHash('sha256').update(text).digest();
