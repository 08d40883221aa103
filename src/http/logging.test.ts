import { describe, expect, it } from 'vitest';
import { isSensitiveKey, scrub, scrubUrl } from './logging.js';

describe('log redaction', () => {
  it('names sensitive keys', () => {
    for (const k of [
      'authorization',
      'Cookie',
      'set-cookie',
      'apiToken',
      'TWILIO_AUTH_TOKEN',
      'client_secret',
      'password',
      'x-api-key',
      'signature',
    ])
      expect(isSensitiveKey(k), k).toBe(true);
    for (const k of ['status', 'connector', 'eventId', 'url', 'userId'])
      expect(isSensitiveKey(k), k).toBe(false);
  });

  it('scrubs plain objects at any depth, leaves other objects alone', () => {
    const err = new Error('x');
    expect(
      scrub({
        a: 1,
        headers: { authorization: 'Bearer t', accept: 'json' },
        list: [{ secret: 's' }],
        err,
      }),
    ).toEqual({
      a: 1,
      headers: { authorization: '[redacted]', accept: 'json' },
      list: [{ secret: '[redacted]' }],
      err,
    });
  });

  it('masks sensitive query parameters', () => {
    expect(scrubUrl('/a?token=x&b=1&api_key=y&sig')).toBe(
      '/a?token=[redacted]&b=1&api_key=[redacted]&sig',
    );
    expect(scrubUrl('/plain')).toBe('/plain');
  });
});
