import { decodePayload, metadataFromHeaders, metadataHeaders, type MessageMetadata } from './message';

const metadata: MessageMetadata = {
  messageId: '9b2f0c1e-3a4d-4e5f-8a6b-7c8d9e0f1a2b',
  type: 'inventory.reserve-stock',
  version: 1,
  correlationId: 'order-1',
  occurredAt: '2026-11-28T00:00:00.000Z',
  causationId: 'cause-1',
  replyTo: 'order.saga-replies',
};

describe('message metadata in headers', () => {
  it('survives the trip through broker headers unchanged', () => {
    const headers = metadataHeaders(metadata);

    expect(metadataFromHeaders((name) => headers[name])).toEqual(metadata);
  });

  it.each(['message-id', 'message-type', 'correlation-id'])('when %s is missing, then the message is refused', (name) => {
    const headers: Record<string, string | undefined> = { ...metadataHeaders(metadata), [name]: undefined };

    expect(metadataFromHeaders((header) => headers[header])).toEqual({ invalid: `header ${name} is missing` });
  });

  it('refuses a version that is not a positive whole number', () => {
    const headers: Record<string, string> = { ...metadataHeaders(metadata), 'message-version': 'v1' };

    expect(metadataFromHeaders((name) => headers[name])).toEqual({
      invalid: 'header message-version must be a positive integer',
    });
  });

  it('refuses a body that is empty or not JSON', () => {
    expect(decodePayload(Buffer.alloc(0))).toEqual({ invalid: 'the body is empty' });
    expect(decodePayload(Buffer.from('{oops'))).toMatchObject({ invalid: expect.stringContaining('the body is not JSON') });
    expect(decodePayload(Buffer.from('{"a":1}'))).toEqual({ payload: { a: 1 } });
  });
});
