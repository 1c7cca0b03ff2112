import { Exchanges, Queues, rabbitTopology } from './topology';

describe('the RabbitMQ topology', () => {
  const lingering = rabbitTopology.queues.filter((queue) => queue.lingers).map((queue) => queue.name);

  it('lets no queue a saga waits on linger: its commands, its replies, and urgent messages go at once', () => {
    const awaited = rabbitTopology.queues
      .filter((queue) => queue.bindings.some(({ exchange }) => exchange === Exchanges.sagaCommands || exchange === Exchanges.sagaReplies))
      .map((queue) => queue.name);

    expect(awaited.sort()).toEqual([Queues.inventoryCommands, Queues.orderSagaReplies, Queues.paymentCommands].sort());
    for (const queue of [...awaited, Queues.notificationUrgent]) expect(lingering).not.toContain(queue);
  });
});
