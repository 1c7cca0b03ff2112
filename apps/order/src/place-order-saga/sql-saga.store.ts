import { RowsAtCommit, sql } from '@platform/database';
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

/**
 * Saga instances and their history in the order database, written in the caller's transaction.
 * New instances and history entries are written at commit, one insert each for the whole
 * transaction (a batch of replies, or a burst of new orders), in the order they came in.
 */
export class SqlSagaStore implements SagaStore<OrderTransaction> {
  private readonly newInstances = new RowsAtCommit<SagaState<unknown>>((tx, states) =>
    tx
      .execute(
        sql`
      INSERT INTO saga_instance (id, saga_type, status, current_step, data, updated_at)
      SELECT id, saga_type, status, current_step, data::jsonb, now()
        FROM unnest(${states.map((state) => state.sagaId)}::uuid[], ${states.map((state) => state.sagaType)}::text[],
                    ${states.map((state) => state.status)}::saga_status[], ${states.map((state) => state.currentStep)}::int[],
                    ${states.map((state) => JSON.stringify(state.data))}::text[]) AS s(id, saga_type, status, current_step, data)`,
      )
      .then(() => undefined),
  );

  /** Entries get their ids (which order a saga's history) in the order they were added. */
  private readonly history = new RowsAtCommit<HistoryRow>((tx, rows) =>
    tx
      .execute(
        sql`
      INSERT INTO saga_history (saga_id, step, event, detail, at)
      SELECT saga_id, step, event, detail::jsonb, now()
        FROM unnest(${rows.map((row) => row.sagaId)}::uuid[], ${rows.map((row) => row.step)}::text[],
                    ${rows.map((row) => row.event)}::text[], ${rows.map((row) => row.detail)}::text[])
             WITH ORDINALITY AS h(saga_id, step, event, detail, position)
       ORDER BY position`,
      )
      .then(() => undefined),
  );

  async insert(tx: OrderTransaction, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void> {
    this.newInstances.add(tx, [state]);
    this.record(tx, state.sagaId, history);
  }

  async lockForUpdate(tx: OrderTransaction, sagaId: string): Promise<SagaState<unknown> | null> {
    const [row] = await tx.query<SagaRow>(sql`
      SELECT id, saga_type, status, current_step, data FROM saga_instance WHERE id = ${sagaId}::uuid FOR UPDATE`);
    if (!row) return null;
    return { sagaId: row.id, sagaType: row.saga_type, status: row.status, currentStep: row.current_step, data: row.data };
  }

  async update(tx: OrderTransaction, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void> {
    await tx.execute(sql`
      UPDATE saga_instance
         SET status = ${state.status}::saga_status, current_step = ${state.currentStep}, data = ${JSON.stringify(state.data)}::jsonb, updated_at = now()
       WHERE id = ${state.sagaId}::uuid`);
    this.record(tx, state.sagaId, history);
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
