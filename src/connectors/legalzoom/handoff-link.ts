/**
 * Expiring signed links to a hand-off's files: `${ARREARS_PUBLIC_URL}/handoffs/<token>`.
 * The token names the organisation, lease, escalation (outbox key), the sha256 of the
 * packet's manifest.json and an expiry, signed with HMAC-SHA256 under LINK_SECRET; nothing
 * is stored per link. The route that serves it is not built yet (see the report): it checks
 * the signature in constant time and the expiry, then serves manifest.json by its sha256 and
 * each file the manifest lists, from the document store the files were kept in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface HandoffGrant {
  orgId: string;
  leaseId: string;
  /** The escalation's outbox key. */
  key: string;
  manifestSha256: string;
  /** Unix seconds. */
  expiresAt: number;
}

const sign = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(payload).digest('base64url');

export function handoffToken(secret: string, grant: HandoffGrant): string {
  const payload = Buffer.from(
    JSON.stringify([
      1,
      grant.orgId,
      grant.leaseId,
      grant.key,
      grant.manifestSha256,
      grant.expiresAt,
    ]),
  ).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** The grant of a well-signed, unexpired token, else null. */
export function readHandoffToken(
  secret: string,
  token: string,
  nowMs: number,
): HandoffGrant | null {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return null;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (
    !Array.isArray(v) ||
    v.length !== 6 ||
    v[0] !== 1 ||
    !v.slice(1, 5).every((s) => typeof s === 'string') ||
    typeof v[5] !== 'number'
  )
    return null;
  const grant: HandoffGrant = {
    orgId: v[1] as string,
    leaseId: v[2] as string,
    key: v[3] as string,
    manifestSha256: v[4] as string,
    expiresAt: v[5] as number,
  };
  return grant.expiresAt * 1000 > nowMs ? grant : null;
}

export function handoffUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/handoffs/${token}`;
}
