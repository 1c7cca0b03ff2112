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

/** performance.now() is monotonic and sub-millisecond; timeOrigin anchors it to the wall clock of this process. */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

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
