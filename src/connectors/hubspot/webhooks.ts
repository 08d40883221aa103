/**
 * `POST /webhooks/hubspot` (reference §5): HubSpot signs each delivery with
 * `X-HubSpot-Signature-v3` = Base64(HMAC-SHA256(app client secret,
 * METHOD + URI + raw body + X-HubSpot-Request-Timestamp)), the timestamp in milliseconds;
 * a delivery more than 5 minutes old is refused (a replayed capture). The URI is the full
 * URL HubSpot called, with its documented set of percent-encoded characters decoded.
 *
 * A delivery is an array of up to 100 events (`contact.propertyChange` …). Arrears reads
 * nothing from HubSpot yet, so events are acknowledged and logged (type, object, property
 * name: never a value); the router dedupes a delivery on its event ids.
 */
import { createHash } from 'node:crypto';
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import type { ConnectorContext } from '../context.js';
import { headerOf, hmac, safeEqual } from '../signing.js';
import { hubSpotEventsOf } from './map.js';

export const SIGNATURE_HEADER = 'X-HubSpot-Signature-v3';
export const TIMESTAMP_HEADER = 'X-HubSpot-Request-Timestamp';
export const MAX_AGE_MS = 5 * 60_000;

/** HubSpot decodes these before signing the URI (its request-validation guide). */
const DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function signedUriOf(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()]!);
}

/** The header value HubSpot sends (fakes and tests sign with it too). */
export function signHubSpotV3(
  clientSecret: string,
  method: string,
  url: string,
  rawBody: string | Buffer,
  timestamp: string,
): string {
  return hmac(
    'sha256',
    clientSecret,
    Buffer.from(`${method.toUpperCase()}${signedUriOf(url)}`, 'utf8'),
    rawBody,
    Buffer.from(timestamp, 'utf8'),
  ).toString('base64');
}

/** The delivery's id: its event ids (HubSpot sends a retry with the same ones). */
function deliveryIdOf(ids: string[], raw: Buffer): string {
  if (ids.length === 0) return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const joined = [...new Set(ids)].sort().join(',');
  return joined.length <= 200
    ? joined
    : `events:${createHash('sha256').update(joined).digest('hex')}`;
}

export function hubSpotWebhook(
  ctx: ConnectorContext,
  clientSecret: string | undefined,
): WebhookConnector {
  const key = clientSecret?.trim() ? clientSecret : undefined;
  return {
    id: 'hubspot',
    secretConfigured: key !== undefined,
    verify(request: InboundWebhookRequest): WebhookVerification {
      if (key === undefined) return { ok: false, reason: 'no client secret configured' };
      const given = headerOf(request.headers, SIGNATURE_HEADER)?.trim();
      const timestamp = headerOf(request.headers, TIMESTAMP_HEADER)?.trim();
      if (!given) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
      if (!timestamp || !/^\d{1,15}$/.test(timestamp))
        return { ok: false, reason: `no usable ${TIMESTAMP_HEADER} header` };
      const age = ctx.clock.now() - Number(timestamp);
      // Clocks differ a little: a timestamp up to the same window ahead is accepted.
      if (Math.abs(age) > MAX_AGE_MS) return { ok: false, reason: 'timestamp too old' };
      const expected = signHubSpotV3(key, 'POST', request.url, request.rawBody, timestamp);
      if (!safeEqual(given, expected)) return { ok: false, reason: 'signature mismatch' };
      const events = hubSpotEventsOf(request.body) ?? [];
      const ids = events.map((e) => `${e.portalId ?? '-'}:${e.eventId}`);
      return { ok: true, eventId: deliveryIdOf(ids, request.rawBody) };
    },
    handle(event): Promise<WebhookResponse> {
      const events = hubSpotEventsOf(event.body);
      if (events === null) {
        ctx.log.warn(
          { connector: 'hubspot', eventId: event.eventId },
          'HubSpot webhook body is not an array of events: acknowledged, ignored',
        );
        return Promise.resolve({
          body: { received: true, duplicate: false, eventId: event.eventId, events: 0 },
        });
      }
      for (const e of events)
        ctx.log.info(
          {
            connector: 'hubspot',
            eventId: e.eventId,
            portalId: e.portalId,
            subscriptionType: e.subscriptionType,
            objectId: e.objectId,
            propertyName: e.propertyName,
          },
          'HubSpot event acknowledged',
        );
      return Promise.resolve({
        body: {
          received: true,
          duplicate: false,
          eventId: event.eventId,
          events: events.length,
          types: [...new Set(events.map((e) => e.subscriptionType))],
        },
      });
    },
  };
}
