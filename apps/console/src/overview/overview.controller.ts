import { Controller, Get, type MessageEvent, Sse } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import type { Overview } from './overview';
import { ServiceWatch } from './service-watch';

@Controller('api')
export class OverviewController {
  constructor(private readonly watch: ServiceWatch) {}

  @Get('overview')
  overview(): Promise<Overview> {
    return this.watch.overview();
  }

  /** Server-sent events: an `overview` event after every round of scrapes. */
  @Sse('events')
  events(): Observable<MessageEvent> {
    return this.watch.overviews.pipe(map((overview) => ({ type: 'overview', data: overview })));
  }
}
