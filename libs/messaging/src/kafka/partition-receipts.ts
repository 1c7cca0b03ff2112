import { type Message, Partitioners, type RecordMetadata } from 'kafkajs';

type Partitioner = ReturnType<typeof Partitioners.DefaultPartitioner>;

/**
 * Proof that a send reached every partition it was meant for. kafkajs 2.2.4 retries a send per
 * broker, remembering which brokers answered: when a partition's leader dies and the partition
 * moves to a broker that had already answered for others in the same send, the retry skips it and
 * the send resolves without it, its messages never written (tulios/kafkajs#1303). On the
 * three-node cluster an order.completed was marked sent this way and never reached the log.
 *
 * A producer built with `createPartitioner` places messages as kafkajs's default partitioner does
 * (the key's murmur2 hash) and notes each message's partition; `unacknowledged` then names the
 * messages whose partition the broker's answers leave out. A message without a key may be placed
 * anew on each retry (round robin): one placed in two partitions cannot be checked, and counts as
 * unacknowledged. With acks=0 there are no answers, and everything would count so: use acks=-1.
 */
export class PartitionReceipts {
  private readonly partitionOf = new WeakMap<Message, number | 'moved'>();

  readonly createPartitioner = (): Partitioner => {
    const choose = Partitioners.DefaultPartitioner();
    return (args) => {
      const partition = choose(args);
      const before = this.partitionOf.get(args.message);
      this.partitionOf.set(args.message, before === undefined || before === partition ? partition : 'moved');
      return partition;
    };
  };

  unacknowledged(sent: readonly { topic: string; message: Message }[], answers: readonly RecordMetadata[]): Set<Message> {
    const acknowledged = new Set(answers.filter(({ errorCode }) => errorCode === 0).map(({ topicName, partition }) => `${topicName}/${partition}`));
    return new Set(sent.filter(({ topic, message }) => !acknowledged.has(`${topic}/${this.partitionOf.get(message)}`)).map(({ message }) => message));
  }
}
