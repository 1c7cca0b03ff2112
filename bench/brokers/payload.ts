/**
 * Every measured message is 1 KiB: its sequence number, when it was due, when it went out, and
 * filler. The times are wall-clock readings with sub-millisecond precision, so a consumer in
 * another process on the same machine can subtract them from its own reading.
 */
export const MESSAGE_BYTES = 1024;

const DUE_AT_OFFSET = 0; // float64, ms since the epoch
const SEQUENCE_OFFSET = 8; // uint32
const SENT_AT_OFFSET = 12; // float64, ms since the epoch
const FILLER_OFFSET = 20;
const FILLER_BYTE = 0x2e; // '.': not compressible away by accident, since no broker here compresses

/** Where performance.now()'s zero falls on the wall clock, as last seen. */
let monotonicZeroMs = Date.now() - performance.now();

/**
 * The wall clock to a fraction of a millisecond: performance.now() (monotonic, sub-millisecond)
 * anchored to Date.now(). The sender and the receiver of a message are different processes, so it
 * must be the wall clock, not a process's own. The anchor moves when the two part by a millisecond
 * or more: the wall clock was stepped (NTP), or a paused VM held the monotonic clock back.
 * performance.timeOrigin, anchored once at start, was seen 11 s off in a long-lived process.
 */
export function wallClockMs(): number {
  const fine = monotonicZeroMs + performance.now();
  const coarse = Date.now();
  if (Math.abs(fine - coarse) < 1) return fine;
  monotonicZeroMs = coarse - performance.now();
  return monotonicZeroMs + performance.now();
}

export interface Stamp {
  readonly sequence: number;
  /** When the timetable said to send it (open loop); at saturation, when it was sent. Latency counts from here. */
  readonly dueAtMs: number;
  /** When the producer handed it to the client library. Transit counts from here. */
  readonly sentAtMs: number;
}

export function encodeMessage({ sequence, dueAtMs, sentAtMs }: Stamp): Buffer {
  const message = Buffer.allocUnsafe(MESSAGE_BYTES);
  message.writeDoubleLE(dueAtMs, DUE_AT_OFFSET);
  message.writeUInt32LE(sequence, SEQUENCE_OFFSET);
  message.writeDoubleLE(sentAtMs, SENT_AT_OFFSET);
  message.fill(FILLER_BYTE, FILLER_OFFSET);
  return message;
}

export function decodeMessage(message: Buffer): Stamp {
  if (message.length !== MESSAGE_BYTES) throw new Error(`a measured message has ${MESSAGE_BYTES} bytes, this one ${message.length}`);
  return { sequence: message.readUInt32LE(SEQUENCE_OFFSET), dueAtMs: message.readDoubleLE(DUE_AT_OFFSET), sentAtMs: message.readDoubleLE(SENT_AT_OFFSET) };
}
