import { applyDecorators, type CanActivate, type ExecutionContext, Inject, Injectable, UseGuards } from '@nestjs/common';
import { AdminAccess } from '@platform/service-kit';
import type { Request } from 'express';
import { CONSOLE_CONFIG, type ConsoleConfig } from './console.config';

/**
 * The console's operator routes (the saga browser, dead letters and their re-drive, and the
 * span receiver) follow the services' admin rule: the X-API-Key when API_KEY is set, this machine
 * only when not. The console reads the services' admin endpoints with its own key, so without this
 * it would hand what they guard to anyone who can reach it.
 */
@Injectable()
export class ConsoleAdminGuard implements CanActivate {
  private readonly access: AdminAccess;

  constructor(@Inject(CONSOLE_CONFIG) config: ConsoleConfig) {
    this.access = new AdminAccess(config.API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    return this.access.check(context.switchToHttp().getRequest<Request>());
  }
}

export const ConsoleAdminEndpoint = () => applyDecorators(UseGuards(ConsoleAdminGuard));
