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
export class PrismaSagaStore implements SagaStore<OrderTransaction> {
  async insert(tx: OrderTransaction, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void> {
    await tx.sagaInstance.create({
      data: {
        id: state.sagaId,
        sagaType: state.sagaType,
        status: state.status,
        currentStep: state.currentStep,
        data: state.data as object,
      },
    });
    await this.record(tx, state.sagaId, history);
  }

  async lockForUpdate(tx: OrderTransaction, sagaId: string): Promise<SagaState<unknown> | null> {
    const [row] = await tx.$queryRaw<SagaRow[]>`
      SELECT id, saga_type, status, current_step, data FROM saga_instance WHERE id = ${sagaId}::uuid FOR UPDATE`;
    if (!row) return null;
    return { sagaId: row.id, sagaType: row.saga_type, status: row.status, currentStep: row.current_step, data: row.data };
  }

  async update(tx: OrderTransaction, state: SagaState<unknown>, history: readonly SagaHistoryEvent[]): Promise<void> {
    await tx.sagaInstance.update({
      where: { id: state.sagaId },
      data: { status: state.status, currentStep: state.currentStep, data: state.data as object },
    });
    await this.record(tx, state.sagaId, history);
  }

  private async record(tx: OrderTransaction, sagaId: string, history: readonly SagaHistoryEvent[]): Promise<void> {
    const at = new Date();
    await tx.sagaHistoryEntry.createMany({
      data: history.map((entry) => ({ sagaId, step: entry.step, event: entry.event, detail: entry.detail as object, at })),
    });
  }
}
