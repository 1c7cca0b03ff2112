import { Controller, Get, Param } from '@nestjs/common';
import { PointsService } from './points.service';

@Controller('points')
export class PointsHttpController {
  constructor(private readonly points: PointsService) {}

  @Get(':customerId')
  balance(@Param('customerId') customerId: string): Promise<{ customerId: string; balance: number }> {
    return this.points.balanceOf(customerId);
  }
}
