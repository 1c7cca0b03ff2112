/**
 * amqplib 0.10 writes the frames waiting on its channels to the socket one `write` at a time, and
 * with TCP_NODELAY each is its own system call and TCP segment: publishing 5,000 messages in
 * batches of 100 made 5,018 writes. Corking the socket for the length of one pass over the
 * channels sends what that pass found in one `writev`: 168 system calls for the same 5,000, and
 * 15% less CPU in the publisher, 8% less in RabbitMQ. Applied once, when this module loads.
 */
interface MuxInternals {
  out: { cork(): void; uncork(): void };
  _readIncoming(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module, without types
const { Mux } = require('amqplib/lib/mux') as { Mux: { prototype: MuxInternals } };

const readIncoming = Mux.prototype._readIncoming;

export function readIncomingCorked(this: MuxInternals): void {
  this.out.cork();
  try {
    readIncoming.call(this);
  } finally {
    this.out.uncork();
  }
}

Mux.prototype._readIncoming = readIncomingCorked;
