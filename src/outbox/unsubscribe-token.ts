/**
 * One-click unsubscribe links (RFC 8058) for e-mail: the link names the organisation and
 * the contact, signed with HMAC-SHA256 under `ARREARS_UNSUBSCRIBE_SECRET`, so nobody can
 * unsubscribe someone else by guessing ids and nothing is stored per message.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeSubject {
  orgId: string;
  contactId: string;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function unsubscribeToken(secret: string, subject: UnsubscribeSubject): string {
  const payload = Buffer.from(JSON.stringify([subject.orgId, subject.contactId])).toString(
    'base64url',
  );
  return `${payload}.${sign(secret, payload)}`;
}

/** The subject of a well-signed token, else null. */
export function readUnsubscribeToken(secret: string, token: string): UnsubscribeSubject | null {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return null;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    )
      return { orgId: value[0], contactId: value[1] };
  } catch {
    // a signed token always parses; fall through
  }
  return null;
}
