import type { Request } from 'express';
import { routeLabel, UNMATCHED_ROUTE } from './http-request-metrics';

const requestWith = (baseUrl: string, route?: { path: unknown }) => ({ baseUrl, route }) as unknown as Pick<Request, 'baseUrl' | 'route'>;

describe('routeLabel', () => {
  it('when a route matched, then it is the pattern, not the URL', () => {
    expect(routeLabel(requestWith('', { path: '/orders/:id' }))).toBe('/orders/:id');
  });

  it('when the route is mounted under a prefix, then the prefix comes first', () => {
    expect(routeLabel(requestWith('/api', { path: '/orders/:id' }))).toBe('/api/orders/:id');
  });

  it('when no route took the request, then it is unmatched', () => {
    expect(routeLabel(requestWith(''))).toBe(UNMATCHED_ROUTE);
  });

  it('when the route is no plain pattern (a regular expression), then it is unmatched rather than a raw value', () => {
    expect(routeLabel(requestWith('', { path: /^\/orders/ }))).toBe(UNMATCHED_ROUTE);
  });
});
