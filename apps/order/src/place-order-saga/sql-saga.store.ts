import { sql, WritesAtCommit } from '@platform/database';
import { z } from 'zod';
import type { SagaHistoryEvent, SagaState, SagaStatus, SagaStore } from '@platform/saga';
import type { OrderTransaction } from '../order.database';

interface SagaRow {
  id: string;
  saga_type: string;
  status: SagaStatus;
  current_step: number;
  data: unknown;
}

interface HistoryRow {
  sagaId: string;
  step: string;
  event: string;
  detail: string | null;
}

const sagaId = z.uuid();

/**
 * Saga instances and their history in the order database, written in the caller's transaction.
 * A batch of replies locks its sagas with one SELECT ... FOR UPDATE; new instances, changed
 * instances and history entries are written at commit, one write each for the whole transaction
 * (a batch of replies, or a burst of new orders), in the order they came in, and sent with the
 * transaction's other writes in one round trip.
 */
export class SqlSagaStore implements SagaStore<OrderTransaction> {
  /** The sagas this transaction holds locked, as it last left them (null: there is no such saga). */
  private readonly locked = new WeakMap<OrderTransaction, Map<string, SagaState<unknown> | null>>();

  private readonly newInstances = new WritesAtCommit<SagaState<unknown>>((states) => ({
    table: 'saga_instance',
    statement: sql`
      INSERT INTO saga_instance (id, saga_type, status, current_step, data, updated_at)
      SELECT id, saga_type, status, current_step, data::jsonb, now()
        FROM unnest(${states.map((state) => state.sagaId)}::uuid[], ${states.map((state) => state.sagaType)}::text[],
                    ${states.map((state) => state.status)}::saga_status[], ${states.map((state) => state.currentStep)}::int[],
                    ${states.map((state) => JSON.stringify(state.data))}::text[]) AS s(id, saga_type, status, current_step, data)`,
  }));

  /** A saga changed twice in one transaction is written once, as it was left. */
  private readonly changed = new WritesAtCommit<SagaState<unknown>>((changes) => {
    const states = [...new Map(changes.map((state) => [state.sagaId, state])).values()];
    return {
      table: 'saga_instance',
      statement: sql`
      UPDATE saga_instance s
         SET status = c.status, current_step = c.current_step, data = c.data::jsonb, updated_at = now()
        FROM unnest(${states.map((state) => state.sagaId)}::uuid[], ${states.map((state) => state.status)}::saga_status[],
                    ${states.map((state) => state.currentStep)}::int[], ${states.map((state) => JSON.stringify(state.data))}::text[])
             AS c(id, status, current_step, data)
       WHERE s.id = c.id`,
    };
  });

  /** Entries get their ids (which order a saga's history) in the order they were added. */
  private readonly history = new WritesAtCommit<HistoryRow>((rows) => ({
    table: 'saga_history',
    statement: sql`
      INSERT INTO saga_history (saga_id, step, event, detail, at)
      SELECT saga_id, step, event, detail::jsonb, now()
        FROM unnest(${rows.map((row) => row.sagaId)}::uuid[], ${rows.map((row) => row.step)}::text[],
                    ${rows.map((row) => row.event)}::text[], ${rows.map((row) => row.detail)}::text[])
             WITH ORDINALITY AS h(saga_id, step, event, detail, position)
       ORDER BY position`,
  }));

  async insert(tx: OrderTransaction, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void> {
    this.newInstances.add(tx, [state]);
    this.record(tx, state.sagaId, history);
  }

  /** Ids are locked in id order, the order every batch shares; an id that is no UUID names no saga. */
  async lockAll(tx: OrderTransaction, sagaIds: readonly string[]): Promise<void> {
    const held = this.lockedIn(tx);
    const wanted = [...new Set(sagaIds.map((id) => id.toLowerCase()))].filter((id) => !held.has(id)).sort();
    for (const id of wanted) held.set(id, null);
    const lockable = wanted.filter((id) => sagaId.safeParse(id).success);
    if (lockable.length === 0) return;
    const rows = await tx.query<SagaRow>(sql`
      SELECT id, saga_type, status, current_step, data FROM saga_instance
       WHERE id = ANY(${lockable}::uuid[]) ORDER BY id FOR UPDATE`);
    for (const row of rows) {
      held.set(row.id, { sagaId: row.id, sagaType: row.saga_type, status: row.status, currentStep: row.current_step, data: row.data });
    }
  }

  async lockForUpdate(tx: OrderTransaction, id: string): Promise<SagaState<unknown> | null> {
    await this.lockAll(tx, [id]);
    return this.lockedIn(tx).get(id.toLowerCase()) ?? null;
  }

  async update(tx: OrderTransaction, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void> {
    this.lockedIn(tx).set(state.sagaId.toLowerCase(), state);
    this.changed.add(tx, [state]);
    this.record(tx, state.sagaId, history);
  }

  private lockedIn(tx: OrderTransaction): Map<string, SagaState<unknown> | null> {
    let held = this.locked.get(tx);
    if (!held) this.locked.set(tx, (held = new Map()));
    return held;
  }

  private record(tx: OrderTransaction, sagaId: string, history: readonly SagaHistoryEvent[]): void {
    this.history.add(
      tx,
      history.map((entry) => ({
        sagaId,
        step: entry.step,
        event: entry.event,
        detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
      })),
    );
  }
}
