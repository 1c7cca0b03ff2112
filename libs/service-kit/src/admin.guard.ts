import { timingSafeEqual } from 'node:crypto';
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
 * header, when the service has an API_KEY. Without one they are open, for local use.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly apiKey: string | undefined;

  constructor(@Inject(PLATFORM_OPTIONS) options: PlatformOptions) {
    this.apiKey = options.config.API_KEY;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.apiKey) return true;
    const given = context.switchToHttp().getRequest<Request>().header('x-api-key') ?? '';
    const expected = Buffer.from(this.apiKey);
    const actual = Buffer.from(given);
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) return true;
    throw new UnauthorizedException('this admin endpoint needs a valid X-API-Key header');
  }
}

export const AdminEndpoint = () => applyDecorators(UseGuards(ApiKeyGuard));
