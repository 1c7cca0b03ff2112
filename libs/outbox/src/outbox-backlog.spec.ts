import { OutboxBacklogAlertState } from './outbox-backlog';

const backlogAged = (oldestAgeSeconds: number) => ({ pending: oldestAgeSeconds > 0 ? 1 : 0, oldestAgeSeconds });

describe('OutboxBacklogAlertState', () => {
  it('when the oldest pending row gets older than the limit, then the alert is raised once', () => {
    const alert = new OutboxBacklogAlertState(30);

    expect(alert.evaluate(backlogAged(31))).toBe('raised');
    expect(alert.evaluate(backlogAged(45))).toBeUndefined();
    expect(alert.isRaised).toBe(true);
  });

  it('when the backlog is back within the limit, then the alert is cleared once', () => {
    const alert = new OutboxBacklogAlertState(30);
    alert.evaluate(backlogAged(31));

    expect(alert.evaluate(backlogAged(2))).toBe('cleared');
    expect(alert.evaluate(backlogAged(0))).toBeUndefined();
    expect(alert.isRaised).toBe(false);
  });

  it('when the oldest row is exactly at the limit, then nothing is raised', () => {
    const alert = new OutboxBacklogAlertState(30);

    expect(alert.evaluate(backlogAged(30))).toBeUndefined();
  });

  it('when the outbox is empty from the start, then nothing changes', () => {
    const alert = new OutboxBacklogAlertState(30);

    expect(alert.evaluate(backlogAged(0))).toBeUndefined();
    expect(alert.isRaised).toBe(false);
  });
});
