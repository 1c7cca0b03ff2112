import { sql } from '@platform/database';
import type { SagaHistoryEvent, SagaState, SagaStatus, SagaStore } from '@platform/saga';
import type { OrderTransaction } from '../order.database';

interface SagaRow {
  id: string;
  saga_type: string;
  status: SagaStatus;
  current_step: number;
  data: unknown;
}

/** Saga instances and their history in the order database, written in the caller's transaction. */
export class SqlSagaStore implements SagaStore<OrderTransaction> {
  async insert(tx: OrderTransaction, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void> {
    await tx.execute(sql`
      INSERT INTO saga_instance (id, saga_type, status, current_step, data, updated_at)
      VALUES (${state.sagaId}::uuid, ${state.sagaType}, ${state.status}::saga_status, ${state.currentStep}, ${JSON.stringify(state.data)}::jsonb, now())`);
    await this.record(tx, state.sagaId, history);
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
    await this.record(tx, state.sagaId, history);
  }

  /** The history of one transition, in one multi-row INSERT; its ids keep the order the entries came in. */
  private async record(tx: OrderTransaction, sagaId: string, history: readonly SagaHistoryEvent[]): Promise<void> {
    if (history.length === 0) return;
    await tx.execute(sql`
      INSERT INTO saga_history (saga_id, step, event, detail, at)
      SELECT ${sagaId}::uuid, step, event, detail::jsonb, now()
        FROM unnest(${history.map((entry) => entry.step)}::text[], ${history.map((entry) => entry.event)}::text[],
                    ${history.map((entry) => (entry.detail === undefined ? null : JSON.stringify(entry.detail)))}::text[])
             WITH ORDINALITY AS h(step, event, detail, position)
       ORDER BY position`);
  }
}
