/**
 * `POST /webhooks/xero` (reference §2): `x-xero-signature` = base64 HMAC-SHA256(webhook
 * key, raw body). Xero wants 200 with an empty body when it matches and 401 when not; its
 * intent-to-receive check sends deliveries with no events, some deliberately mis-signed,
 * and turns the webhook on only if every answer is right (within 5 s).
 *
 * Events (INVOICE / CONTACT … CREATE / UPDATE) name a resource only; they are logged and
 * the next sync reads the change (payments have no events, so the sync polls anyway).
 * The router dedupes a delivery on its event sequence numbers.
 */
import { createHash } from 'node:crypto';
import type {
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import type { ConnectorLog } from '../context.js';
import { headerOf, hmac, safeEqual } from '../signing.js';

export const SIGNATURE_HEADER = 'x-xero-signature';

/** The header Xero sends for `raw` (fakes and tests sign with it too). */
export function signXero(key: string, raw: string | Buffer): string {
  return hmac('sha256', key, raw).toString('base64');
}

interface XeroEvent {
  resourceId?: unknown;
  eventCategory?: unknown;
  eventType?: unknown;
  tenantId?: unknown;
}
interface Delivery {
  events?: XeroEvent[];
  firstEventSequence?: unknown;
  lastEventSequence?: unknown;
}

/** What Xero wants back: a status and nothing else. */
const EMPTY_200: WebhookResponse = { status: 200, body: '' };

export function eventIdOf(body: unknown, raw: Buffer): string {
  const d = (body ?? {}) as Delivery;
  const seq = (v: unknown) => (Number.isInteger(v) ? String(v) : undefined);
  const first = seq(d.firstEventSequence);
  const last = seq(d.lastEventSequence);
  if (Array.isArray(d.events) && d.events.length > 0 && first && last)
    return `seq-${first}-${last}`;
  // An intent-to-receive delivery (no events) differs by its `entropy`: the body is its id.
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

export function xeroWebhook(key: string | undefined, log: ConnectorLog): WebhookConnector {
  const secret = key?.trim() ? key.trim() : undefined;
  return {
    id: 'xero',
    secretConfigured: secret !== undefined,
    verify(request): WebhookVerification {
      if (secret === undefined) return { ok: false, reason: 'no webhook key configured' };
      const given = headerOf(request.headers, SIGNATURE_HEADER)?.trim();
      if (!given) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
      if (!safeEqual(given, signXero(secret, request.rawBody)))
        return { ok: false, reason: 'signature mismatch' };
      return { ok: true, eventId: eventIdOf(request.body, request.rawBody) };
    },
    handle(event) {
      const events = ((event.body ?? {}) as Delivery).events;
      for (const e of Array.isArray(events) ? events : [])
        log.info(
          {
            connector: 'xero',
            eventId: event.eventId,
            category: typeof e.eventCategory === 'string' ? e.eventCategory : null,
            type: typeof e.eventType === 'string' ? e.eventType : null,
            resourceId: typeof e.resourceId === 'string' ? e.resourceId : null,
          },
          'Xero event received; the next sync reads the change',
        );
      return Promise.resolve(EMPTY_200);
    },
    duplicateResponse: () => EMPTY_200,
  };
}
