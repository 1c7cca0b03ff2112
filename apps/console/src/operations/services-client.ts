import { HttpException, Inject, Injectable } from '@nestjs/common';
import { CONSOLE_CONFIG, type ConsoleConfig, serviceUrls } from '../console.config';
import type { ServiceName } from '../overview/overview';

export interface ServiceAnswer {
  status: number;
  body: unknown;
}

/**
 * The console's only way to the platform: the services' public and admin HTTP APIs. It never
 * reads a service's database. Reads of admin endpoints carry the console's key; an operator's
 * action (a re-drive) carries the operator's.
 */
@Injectable()
export class ServicesClient {
  readonly urls: Record<ServiceName, string>;

  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {
    this.urls = serviceUrls(config);
  }

  async get(service: ServiceName, path: string, timeoutMs = 3_000): Promise<ServiceAnswer> {
    return this.call(service, path, { method: 'GET', apiKey: this.config.API_KEY, timeoutMs });
  }

  async post(service: ServiceName, path: string, apiKey: string | undefined, timeoutMs = 30_000): Promise<ServiceAnswer> {
    return this.call(service, path, { method: 'POST', apiKey, timeoutMs });
  }

  async text(service: ServiceName, path: string, timeoutMs = 3_000): Promise<string> {
    const response = await fetch(`${this.urls[service]}${path}`, { headers: this.headers(this.config.API_KEY), signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`${service} answered ${response.status} to GET ${path}`);
    return response.text();
  }

  /** A service's answer, passed on as it came; a service that does not answer is a 502 naming it. */
  async relayed(answer: Promise<ServiceAnswer>, service: ServiceName): Promise<unknown> {
    let result: ServiceAnswer;
    try {
      result = await answer;
    } catch (error) {
      throw new HttpException({ statusCode: 502, message: `the ${service} service did not answer: ${(error as Error).message}` }, 502);
    }
    if (result.status >= 400) throw new HttpException(result.body as object, result.status);
    return result.body;
  }

  private async call(service: ServiceName, path: string, request: { method: string; apiKey?: string; timeoutMs: number }): Promise<ServiceAnswer> {
    const response = await fetch(`${this.urls[service]}${path}`, {
      method: request.method,
      headers: this.headers(request.apiKey),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { message: text };
    }
    return { status: response.status, body };
  }

  private headers(apiKey: string | undefined): Record<string, string> {
    return apiKey ? { 'x-api-key': apiKey } : {};
  }
}
