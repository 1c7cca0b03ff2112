import { Injectable } from '@nestjs/common';
import type { ResetFrom, TopicPartitionOffset } from '@platform/messaging';
import { PlatformRuntime } from '@platform/service-kit';
import type { PointsTransaction } from '../points.database';

export interface RebuildResult {
  /** Where the group reads from now, per partition it moved. */
  readonly offsets: readonly TopicPartitionOffset[];
  /** The log ends at the rewind: the rebuild is complete once the group has committed these. */
  readonly until: readonly TopicPartitionOffset[];
  /** Ledger entries removed, to be written again by the replay. */
  readonly ledgerEntriesRemoved: number;
}

/**
 * The points balances are a projection of the orders log, so they can be thrown away and read
 * again. A rebuild rewinds the points group to the beginning, a timestamp or given offsets; the
 * ledger entries read at or after the new position are deleted and the balances recomputed from
 * the ledger that is left; the replay then writes the deleted entries again. Entries before the
 * position stay, so a partial rebuild ends where a full one would.
 */
@Injectable()
export class PointsProjection {
  constructor(private readonly runtime: PlatformRuntime) {}

  async rebuild(from: ResetFrom): Promise<RebuildResult> {
    let ledgerEntriesRemoved = 0;
    const { offsets, until } = await this.runtime.replayReadModel<PointsTransaction>(from, async (tx, offsets) => {
      ledgerEntriesRemoved = await this.forgetFrom(tx, offsets);
    });
    return { offsets, until, ledgerEntriesRemoved };
  }

  private async forgetFrom(tx: PointsTransaction, offsets: readonly TopicPartitionOffset[]): Promise<number> {
    let removed = 0;
    for (const { topic, partition, offset } of offsets) {
      const { count } = await tx.pointsLedgerEntry.deleteMany({ where: { topic, partition, offset: { gte: BigInt(offset) } } });
      removed += count;
    }
    await tx.pointsBalance.deleteMany();
    await tx.$executeRaw`
      INSERT INTO points_balance (customer_id, balance, updated_at)
      SELECT customer_id, sum(points), now() FROM points_ledger GROUP BY customer_id`;
    return removed;
  }
}
