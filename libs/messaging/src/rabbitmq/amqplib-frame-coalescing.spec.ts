import { PassThrough, Writable } from 'node:stream';
import './amqplib-frame-coalescing';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the amqplib internal the patch changes
const { Mux } = require('amqplib/lib/mux') as { Mux: new (out: Writable) => { pipeFrom(readable: PassThrough): void } };

/** A socket stand-in that records each system call a real socket would make: one per write or writev. */
function recordingSocket() {
  const calls: string[][] = [];
  const socket = new Writable({
    write(chunk: Buffer, _encoding, done) {
      calls.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  return { socket, calls };
}

describe('amqplib frame coalescing', () => {
  it('sends the frames of several channels found in one pass in a single writev', async () => {
    const { socket, calls } = recordingSocket();
    const mux = new Mux(socket);
    const channels = [new PassThrough({ objectMode: true }), new PassThrough({ objectMode: true })];
    for (const channel of channels) mux.pipeFrom(channel);
    channels[0]!.write(Buffer.from('publish-1'));
    channels[1]!.write(Buffer.from('ack-1'));
    channels[0]!.write(Buffer.from('publish-2'));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([['publish-1', 'ack-1', 'publish-2']]);
  });
});
