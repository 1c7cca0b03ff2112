import { type Message, Partitioners, type PartitionMetadata } from 'kafkajs';
import { PartitionReceipts } from './partition-receipts';

const partitionMetadata: PartitionMetadata[] = [0, 1, 2].map((partitionId) => ({
  partitionId,
  leader: partitionId,
  replicas: [0, 1, 2],
  isr: [0, 1, 2],
  partitionErrorCode: 0,
}));

describe('PartitionReceipts', () => {
  const messages: Message[] = Array.from({ length: 30 }, (_, index) => ({ key: `order-${index}`, value: '{}' }));

  it("places each message where kafkajs's default partitioner would, so each order keeps its partition", () => {
    const receipts = new PartitionReceipts();
    const recording = receipts.createPartitioner();
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const message of messages) {
      expect(recording({ topic: 'orders', partitionMetadata, message })).toBe(kafkajs({ topic: 'orders', partitionMetadata, message }));
    }
  });

  it('names the messages whose partition no answer acknowledged, and only those', () => {
    const receipts = new PartitionReceipts();
    const place = receipts.createPartitioner();
    const placed = messages.map((message) => ({ topic: 'orders', message, partition: place({ topic: 'orders', partitionMetadata, message }) }));
    const answers = [0, 2].map((partition) => ({ topicName: 'orders', partition, errorCode: 0 }));

    const missing = receipts.unacknowledged(placed, answers);

    expect([...missing]).toEqual(placed.filter(({ partition }) => partition === 1).map(({ message }) => message));
    expect(missing.size).toBeGreaterThan(0);
    expect(receipts.unacknowledged(placed, [...answers, { topicName: 'orders', partition: 1, errorCode: 0 }]).size).toBe(0);
  });

  it('counts a message placed in two partitions by retries (no key: round robin) as unacknowledged', () => {
    const receipts = new PartitionReceipts();
    const place = receipts.createPartitioner();
    const keyless: Message = { key: null, value: '{}' };
    const first = place({ topic: 'orders', partitionMetadata, message: keyless });
    const second = place({ topic: 'orders', partitionMetadata, message: keyless });
    expect(second).not.toBe(first);

    const everyPartition = [0, 1, 2].map((partition) => ({ topicName: 'orders', partition, errorCode: 0 }));
    expect(receipts.unacknowledged([{ topic: 'orders', message: keyless }], everyPartition).size).toBe(1);
  });
});
