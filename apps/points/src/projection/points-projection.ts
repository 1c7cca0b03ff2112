import { Injectable } from '@nestjs/common';
import { sql, type SqlTransaction } from '@platform/database';
import type { ResetFrom, TopicPartitionOffset } from '@platform/messaging';
import { PlatformRuntime } from '@platform/service-kit';

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
    const { offsets, until } = await this.runtime.replayReadModel(from, async (tx, offsets) => {
      ledgerEntriesRemoved = await this.forgetFrom(tx, offsets);
    });
    return { offsets, until, ledgerEntriesRemoved };
  }

  private async forgetFrom(tx: SqlTransaction, offsets: readonly TopicPartitionOffset[]): Promise<number> {
    let removed = 0;
    for (const { topic, partition, offset } of offsets) {
      removed += await tx.execute(sql`
        DELETE FROM points_ledger WHERE topic = ${topic} AND partition = ${partition} AND "offset" >= ${offset}::bigint`);
    }
    await tx.execute(sql`DELETE FROM points_balance`);
    await tx.execute(sql`
      INSERT INTO points_balance (customer_id, balance, updated_at)
      SELECT customer_id, sum(points), now() FROM points_ledger GROUP BY customer_id`);
    return removed;
  }
}
