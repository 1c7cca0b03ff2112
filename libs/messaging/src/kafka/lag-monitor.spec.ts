import { LagAlertState } from './lag-monitor';

describe('lag alerts', () => {
  const threshold = 100;

  it('when a group goes above the threshold, then it fires once, however long it stays there', () => {
    const alerts = new LagAlertState(threshold);

    expect(alerts.evaluate([{ group: 'billing', totalLag: 101 }])).toEqual({ fired: [{ group: 'billing', totalLag: 101 }], resolved: [] });
    expect(alerts.evaluate([{ group: 'billing', totalLag: 500 }])).toEqual({ fired: [], resolved: [] });
    expect(alerts.isAlerting('billing')).toBe(true);
  });

  it('when a group is exactly at the threshold, then it does not fire', () => {
    const alerts = new LagAlertState(threshold);

    expect(alerts.evaluate([{ group: 'billing', totalLag: 100 }])).toEqual({ fired: [], resolved: [] });
  });

  it('when an alerting group comes back to the threshold, then it resolves once, and can fire again later', () => {
    const alerts = new LagAlertState(threshold);
    alerts.evaluate([{ group: 'billing', totalLag: 150 }]);

    expect(alerts.evaluate([{ group: 'billing', totalLag: 100 }])).toEqual({ fired: [], resolved: [{ group: 'billing', totalLag: 100 }] });
    expect(alerts.evaluate([{ group: 'billing', totalLag: 0 }])).toEqual({ fired: [], resolved: [] });
    expect(alerts.evaluate([{ group: 'billing', totalLag: 101 }]).fired).toEqual([{ group: 'billing', totalLag: 101 }]);
  });

  it('when groups cross in opposite directions in one check, then each gets its own change', () => {
    const alerts = new LagAlertState(threshold);
    alerts.evaluate([{ group: 'billing', totalLag: 200 }]);

    const changes = alerts.evaluate([
      { group: 'billing', totalLag: 3 },
      { group: 'shipping', totalLag: 300 },
    ]);

    expect(changes).toEqual({ fired: [{ group: 'shipping', totalLag: 300 }], resolved: [{ group: 'billing', totalLag: 3 }] });
  });

  it('when a check does not include a group, then the group keeps its state', () => {
    const alerts = new LagAlertState(threshold);
    alerts.evaluate([{ group: 'billing', totalLag: 200 }]);

    expect(alerts.evaluate([])).toEqual({ fired: [], resolved: [] });
    expect(alerts.isAlerting('billing')).toBe(true);
  });

  it('when a fired alert was not delivered and is retracted, then the next check fires it again', () => {
    const alerts = new LagAlertState(threshold);
    alerts.evaluate([{ group: 'billing', totalLag: 200 }]);

    alerts.retract('fired', 'billing');

    expect(alerts.evaluate([{ group: 'billing', totalLag: 200 }]).fired).toEqual([{ group: 'billing', totalLag: 200 }]);
  });

  it('when a resolution was not delivered and is retracted, then the next check resolves it again', () => {
    const alerts = new LagAlertState(threshold);
    alerts.evaluate([{ group: 'billing', totalLag: 200 }]);
    alerts.evaluate([{ group: 'billing', totalLag: 0 }]);

    alerts.retract('resolved', 'billing');

    expect(alerts.evaluate([{ group: 'billing', totalLag: 0 }]).resolved).toEqual([{ group: 'billing', totalLag: 0 }]);
  });

  it('when another instance led the alerts meanwhile, then the first check after taking over announces every group as it is', () => {
    const alerts = new LagAlertState(threshold);
    alerts.evaluate([{ group: 'billing', totalLag: 200 }]);

    alerts.forget();

    const totals = [
      { group: 'billing', totalLag: 300 },
      { group: 'points', totalLag: 0 },
    ];
    // The old leader may have fired either alert: billing is raised again, points resolved.
    expect(alerts.evaluate(totals)).toEqual({ fired: [totals[0]], resolved: [totals[1]] });
    expect(alerts.evaluate(totals)).toEqual({ fired: [], resolved: [] });
  });
});
