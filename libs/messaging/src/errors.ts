/**
 * A message that can never be processed, however often it is retried: a body that is not JSON,
 * a payload that breaks its contract, a type or version nobody handles. It goes straight to the
 * dead-letter queue or topic instead of blocking the messages behind it.
 */
export class PermanentMessageError extends Error {
  override readonly name = 'PermanentMessageError';
}

/** The broker is not reachable right now; the caller keeps the message and tries again later. */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
