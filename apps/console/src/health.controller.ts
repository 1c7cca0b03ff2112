import { Controller, Get } from '@nestjs/common';

/** The console depends on nothing to answer: it is ready once it listens (a service it cannot reach shows as not ready on its pages). */
@Controller('health')
export class HealthController {
  @Get('live')
  live(): { status: 'live' } {
    return { status: 'live' };
  }

  @Get('ready')
  ready(): { status: 'ready' } {
    return { status: 'ready' };
  }
}
