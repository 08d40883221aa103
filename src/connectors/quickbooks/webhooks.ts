/**
 * `POST /webhooks/quickbooks` (reference §1 "Webhooks"): every notification carries
 * `intuit-signature` = base64 HMAC-SHA256(key = the app's verifier token, message = the raw
 * body), checked over the exact bytes in constant time. There is no timestamp.
 *
 * Two body formats: the legacy `{"eventNotifications":[{realmId, dataChangeEvent:
 * {entities:[{name, id, operation, lastUpdated}]}}]}`, and CloudEvents (a JSON array of
 * `{specversion, id, type: "qbo.invoice.updated.v1", intuitentityid, intuitaccountid}`),
 * told apart by `specversion`. The event id the router dedupes on is the CloudEvents ids
 * (sorted), else a hash of the legacy notification (it carries no id; a repeat is
 * byte-identical).
 *
 * Notifications carry ids only and arrive batched, unordered and repeated, and Intuit
 * wants a fast 2xx: they trigger nothing heavy. The change is logged and acknowledged;
 * the next `arrears sync` (the worker's every 15 minutes) pulls it through CDC.
 */
import { createHash } from 'node:crypto';
import type {
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import type { ConnectorContext } from '../context.js';
import { headerOf, hmac, safeEqual } from '../signing.js';

export const SIGNATURE_HEADER = 'intuit-signature';

/** The header value Intuit sends for `raw` (the fake and tests sign with it). */
export function signIntuit(verifierToken: string, raw: string | Buffer): string {
  return hmac('sha256', Buffer.from(verifierToken, 'utf8'), raw).toString('base64');
}

export interface EntityChange {
  realmId: string | null;
  entity: string;
  id: string;
  operation: string;
}

type Json = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' ? v : null);

export function isCloudEvents(body: unknown): body is Json[] {
  return Array.isArray(body) && body.some((e) => (e as Json | null)?.specversion !== undefined);
}

/** The entity changes of either format. */
export function changesOf(body: unknown): EntityChange[] {
  if (isCloudEvents(body))
    return body.flatMap((e) => {
      // `qbo.invoice.updated.v1` → Invoice, Update
      const m = /^qbo\.([a-z]+)\.([a-z]+)\.v\d+$/i.exec(text(e.type) ?? '');
      const id = text(e.intuitentityid);
      if (!m || id === null) return [];
      const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
      return [
        {
          realmId: text(e.intuitaccountid),
          entity: cap(m[1]!),
          id,
          operation: cap(m[2]!.replace(/d$/, '')),
        },
      ];
    });
  const notifications = (body as { eventNotifications?: unknown } | null)?.eventNotifications;
  if (!Array.isArray(notifications)) return [];
  return notifications.flatMap((n: Json) => {
    const entities = (n?.dataChangeEvent as { entities?: unknown } | undefined)?.entities;
    return (Array.isArray(entities) ? entities : []).flatMap((x: Json) =>
      text(x?.name) !== null && text(x?.id) !== null
        ? [
            {
              realmId: text(n.realmId),
              entity: text(x.name)!,
              id: text(x.id)!,
              operation: text(x.operation) ?? 'Update',
            },
          ]
        : [],
    );
  });
}

export function eventIdOf(body: unknown, raw: Buffer): string {
  if (isCloudEvents(body)) {
    const ids = body.map((e) => text(e.id)).filter((id): id is string => id !== null);
    if (ids.length === body.length && ids.length > 0) {
      const joined = [...ids].sort().join(',');
      return joined.length <= 200
        ? `ce:${joined}`
        : `ce:sha256:${createHash('sha256').update(joined).digest('hex')}`;
    }
  }
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

export function quickbooksWebhook(
  ctx: ConnectorContext,
  verifierToken: string | undefined,
  realmId: string,
): WebhookConnector {
  const key = verifierToken?.trim() ? verifierToken : undefined;
  return {
    id: 'quickbooks',
    secretConfigured: key !== undefined,
    verify(request): WebhookVerification {
      if (key === undefined) return { ok: false, reason: 'no webhook verifier token configured' };
      const given = headerOf(request.headers, SIGNATURE_HEADER)?.trim();
      if (!given) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
      if (!safeEqual(given, signIntuit(key, request.rawBody)))
        return { ok: false, reason: 'signature mismatch' };
      return { ok: true, eventId: eventIdOf(request.body, request.rawBody) };
    },
    handle(event): Promise<WebhookResponse> {
      // App-level webhooks cover every connected company: only ours is of interest.
      const changes = changesOf(event.body).filter(
        (c) => c.realmId === null || c.realmId === realmId,
      );
      const counts: Record<string, number> = {};
      for (const c of changes) counts[c.entity] = (counts[c.entity] ?? 0) + 1;
      if (changes.length > 0)
        ctx.log.info(
          { connector: 'quickbooks', eventId: event.eventId, changes: counts },
          'QuickBooks reported changes; the next sync pulls them',
        );
      return Promise.resolve({
        body: { received: true, duplicate: false, eventId: event.eventId, changes: changes.length },
      });
    },
  };
}
