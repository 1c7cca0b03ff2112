import { randomUUID } from 'node:crypto';
import { KafkaTopics } from '@platform/messaging';
import { configured } from './support/configuration';
import { platformHeaders, produce } from './support/kafka';
import { eventually, http, urls } from './support/platform';

interface LagView {
  threshold: number;
  paused: boolean;
  lag: {
    checkedAt: string;
    partitions: { group: string; topic: string; partition: number; lag: number }[];
    groups: { group: string; totalLag: number; alerting: boolean }[];
  } | null;
}

const lagView = async () => (await http<LagView>('GET', `${urls.points}/admin/kafka/lag`)).body;

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${urls.points}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && candidate.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('consumer lag monitoring', () => {
  afterEach(() => http('POST', `${urls.points}/admin/kafka/consumer/resume`));

  it('fires an alert when the points group falls more than the threshold behind, and clears it once it catches up', async () => {
    const { threshold } = await lagView();
    const firedBefore = await metric('kafka_consumer_lag_alerts_total', 'state="fired"');
    const resolvedBefore = await metric('kafka_consumer_lag_alerts_total', 'state="resolved"');

    expect((await http('POST', `${urls.points}/admin/kafka/consumer/pause`)).status).toBe(200);
    // Events points has no handler for: reading them is all the catching up there is to do.
    const backlog = threshold + 500;
    await produce(
      KafkaTopics.orders,
      Array.from({ length: backlog }, () => {
        const orderId = randomUUID();
        return { key: orderId, value: JSON.stringify({ orderId }), headers: platformHeaders('order.lag-probe', orderId) };
      }),
    );

    const alerting = await eventually(lagView, ({ lag }) => lag?.groups.some(({ alerting }) => alerting) ?? false, {
      timeoutMs: 60_000,
      what: 'the lag alert to fire',
    });
    const group = alerting.lag!.groups.find(({ group }) => group === 'points')!;
    expect(group.totalLag).toBeGreaterThan(threshold);
    expect(alerting.paused).toBe(true);
    expect(alerting.lag!.partitions.filter(({ topic }) => topic === KafkaTopics.orders)).toHaveLength(configured.KAFKA_TOPIC_PARTITIONS);
    expect(await metric('kafka_consumer_group_lag', 'group="points"')).toBeGreaterThan(threshold);
    expect(await metric('kafka_consumer_lag_alerting', 'group="points"')).toBe(1);
    expect(await metric('kafka_consumer_lag_alerts_total', 'state="fired"')).toBe(firedBefore + 1);

    expect((await http('POST', `${urls.points}/admin/kafka/consumer/resume`)).status).toBe(200);
    await eventually(lagView, ({ lag }) => lag?.groups.every(({ alerting }) => !alerting) ?? false, {
      timeoutMs: 120_000,
      what: 'the lag alert to clear',
    });
    expect(await metric('kafka_consumer_lag_alerting', 'group="points"')).toBe(0);
    expect(await metric('kafka_consumer_lag_alerts_total', 'state="resolved"')).toBe(resolvedBefore + 1);
  });
});
