import { BadRequestException, Body, ConflictException, Controller, HttpCode, Post } from '@nestjs/common';
import { InvalidResetError, KafkaTopics, type ResetFrom, ResetRefusedError } from '@platform/messaging';
import { AdminEndpoint, ZodValidationPipe } from '@platform/service-kit';
import { z } from 'zod';
import { PointsProjection, type RebuildResult } from './points-projection';

const RebuildRequest = z.discriminatedUnion('from', [
  z.object({ from: z.literal('beginning') }),
  z.object({ from: z.literal('timestamp'), timestamp: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' }) }),
  z.object({
    from: z.literal('offsets'),
    offsets: z
      .array(z.object({ partition: z.number().int().min(0), offset: z.number().int().min(0) }))
      .min(1, { error: 'must list at least one partition' })
      // A topic has at most KAFKA_TOPIC_PARTITIONS (1,000) partitions; a longer list is a mistake or abuse.
      .max(1_000, { error: 'must list at most 1,000 partitions' }),
  }),
]);
type RebuildRequest = z.infer<typeof RebuildRequest>;

function resetFrom(request: RebuildRequest): ResetFrom {
  switch (request.from) {
    case 'beginning':
      return { kind: 'beginning' };
    case 'timestamp':
      return { kind: 'timestamp', timestamp: Date.parse(request.timestamp) };
    case 'offsets':
      return { kind: 'offsets', offsets: request.offsets.map((position) => ({ topic: KafkaTopics.orders, ...position })) };
  }
}

@Controller('admin/points')
@AdminEndpoint()
export class PointsProjectionAdminController {
  constructor(private readonly projection: PointsProjection) {}

  /**
   * Body `{ "from": "beginning" }`, `{ "from": "timestamp", "timestamp": "2026-11-28T10:00:00Z" }` or
   * `{ "from": "offsets", "offsets": [{ "partition": 0, "offset": 42 }] }`. Answers once the group is
   * rewound; the replay goes on in the background (GET /admin/kafka/lag shows it catching up).
   * Every other points instance must be stopped first.
   */
  @Post('rebuild')
  @HttpCode(200)
  async rebuild(@Body(new ZodValidationPipe(RebuildRequest)) body: RebuildRequest): Promise<RebuildResult> {
    try {
      return await this.projection.rebuild(resetFrom(body));
    } catch (error) {
      if (error instanceof ResetRefusedError) throw new ConflictException(error.message);
      if (error instanceof InvalidResetError) {
        throw new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: 'invalid request: offsets',
          fields: [{ field: 'offsets', message: error.message }],
        });
      }
      throw error;
    }
  }
}
