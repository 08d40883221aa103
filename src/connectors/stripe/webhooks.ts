/**
 * `POST /webhooks/stripe` (reference §3): `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=…]`,
 * each v1 = hex HMAC-SHA256(key = the whole `whsec_…` secret, `${t}.${raw body}`); valid
 * when any v1 matches (two during a secret roll) and t is within 5 minutes (v0 ignored).
 * The router dedupes on the event id (`evt_…`).
 *
 * Events are acknowledged and logged: invoice.paid, payment_intent.succeeded,
 * charge.refunded … all change what the next sync reads, and the sync re-reads the state
 * rather than trusting a snapshot that may arrive out of order.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../app/ports/clock.js';
import type { WebhookConnector, WebhookVerification } from '../../app/ports/webhooks.js';
import type { ConnectorLog } from '../context.js';
import { headerOf, hmac, safeEqual, withinTolerance } from '../signing.js';

export const SIGNATURE_HEADER = 'Stripe-Signature';
/** The SDKs' default tolerance. */
export const TOLERANCE_S = 300;

/** The header Stripe sends for `raw` at `t` (fakes and tests sign with it too). */
export function signStripe(secret: string, raw: string | Buffer, t: number): string {
  return `t=${t},v1=${hmac('sha256', secret, `${t}.`, raw).toString('hex')}`;
}

export function parseSignatureHeader(header: string): { t?: string; v1: string[] } {
  const out: { t?: string; v1: string[] } = { v1: [] };
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const k = part.slice(0, at).trim();
    const v = part.slice(at + 1).trim();
    if (k === 't' && out.t === undefined) out.t = v;
    else if (k === 'v1') out.v1.push(v.toLowerCase());
  }
  return out;
}

export function verifyStripeSignature(
  secret: string,
  header: string | undefined,
  raw: Buffer,
  nowMs: number,
): { ok: true } | { ok: false; reason: string } {
  if (header === undefined || header.trim() === '')
    return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
  const { t, v1 } = parseSignatureHeader(header);
  if (t === undefined || v1.length === 0)
    return { ok: false, reason: 'no timestamp or v1 signature' };
  const expected = hmac('sha256', secret, `${t}.`, raw).toString('hex');
  // Every candidate is compared, so the time taken does not say which one matched.
  const matched = v1.map((s) => safeEqual(s, expected)).some(Boolean);
  if (!matched) return { ok: false, reason: 'signature mismatch' };
  if (!withinTolerance(t, nowMs, TOLERANCE_S))
    return { ok: false, reason: 'timestamp outside the 5-minute tolerance' };
  return { ok: true };
}

interface EventShape {
  id?: unknown;
  type?: unknown;
  data?: { object?: { id?: unknown; object?: unknown } };
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export function stripeWebhook(
  secret: string | undefined,
  clock: Clock,
  log: ConnectorLog,
): WebhookConnector {
  const key = secret?.trim() ? secret.trim() : undefined;
  return {
    id: 'stripe',
    secretConfigured: key !== undefined,
    verify(request): WebhookVerification {
      if (key === undefined) return { ok: false, reason: 'no webhook secret configured' };
      const check = verifyStripeSignature(
        key,
        headerOf(request.headers, SIGNATURE_HEADER),
        request.rawBody,
        clock.now(),
      );
      if (!check.ok) return check;
      const id = str((request.body as EventShape | undefined)?.id);
      return {
        ok: true,
        eventId:
          id !== undefined && id.length <= 255
            ? id
            : `sha256:${createHash('sha256').update(request.rawBody).digest('hex')}`,
      };
    },
    handle(event) {
      const body = (event.body ?? {}) as EventShape;
      const type = str(body.type) ?? null;
      log.info(
        {
          connector: 'stripe',
          eventId: event.eventId,
          type,
          object: str(body.data?.object?.object) ?? null,
          objectId: str(body.data?.object?.id) ?? null,
        },
        'Stripe event received; the next sync reads the change',
      );
      return Promise.resolve({
        body: { received: true, duplicate: false, eventId: event.eventId, type },
      });
    },
  };
}
