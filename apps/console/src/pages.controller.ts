import { existsSync } from 'node:fs';
import path from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Where the pages are: beside the sources (apps/console/public), found from the compiled file
 * in dist/ as from the source file under ts-jest.
 */
export const PUBLIC_DIR = [path.resolve(__dirname, '..', 'public'), path.resolve(__dirname, '..', '..', '..', '..', 'apps', 'console', 'public')].find(
  (candidate) => existsSync(path.join(candidate, 'index.html')),
) ?? path.resolve(__dirname, '..', 'public');

/** The four pages; each is static HTML whose script reads the JSON API and the event stream. */
@Controller()
export class PagesController {
  @Get()
  overview(@Res() response: Response): void {
    response.sendFile(path.join(PUBLIC_DIR, 'index.html'));
  }

  @Get('sagas')
  sagas(@Res() response: Response): void {
    response.sendFile(path.join(PUBLIC_DIR, 'sagas.html'));
  }

  @Get('orders/:id')
  order(@Param('id') _id: string, @Res() response: Response): void {
    response.sendFile(path.join(PUBLIC_DIR, 'order.html'));
  }

  @Get('dead-letters')
  deadLetters(@Res() response: Response): void {
    response.sendFile(path.join(PUBLIC_DIR, 'dead-letters.html'));
  }
}
