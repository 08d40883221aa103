/**
 * `POST /webhooks/postal`: Lob's letter events. Signed with `Lob-Signature` = hex
 * HMAC-SHA256(webhook secret, `<Lob-Signature-Timestamp>.<raw body>`), checked over the raw
 * bytes in constant time within 5 minutes; the event id is the body's `id` (`evt_…`).
 * Deliveries and returns go to the proof of service through `ctx.inbound.mailEvent`; every
 * other event is acknowledged (Lob retries anything but a 2xx).
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
import { readLobEvent } from './map.js';

export const SIGNATURE_HEADER = 'Lob-Signature';
export const TIMESTAMP_HEADER = 'Lob-Signature-Timestamp';
export const TOLERANCE_SECONDS = 300;

/** The hex signature Lob sends for `raw` at `timestamp` (the fake signs with it too). */
export function lobSignature(secret: string, timestamp: string, raw: string | Buffer): string {
  return hmac('sha256', secret, timestamp, '.', raw).toString('hex');
}

/**
 * Whether Lob's timestamp is seconds or milliseconds is not documented: 13 digits and more
 * are read as milliseconds, fewer as seconds.
 */
function timestampMs(value: string): number | undefined {
  if (!/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return value.length >= 12 ? n : n * 1000;
}

export function verifyLobSignature(
  secret: string,
  headers: InboundWebhookRequest['headers'],
  raw: Buffer,
  nowMs: number,
  toleranceSeconds = TOLERANCE_SECONDS,
): { ok: true } | { ok: false; reason: string } {
  const signature = headerOf(headers, SIGNATURE_HEADER)?.trim();
  const timestamp = headerOf(headers, TIMESTAMP_HEADER)?.trim();
  if (!signature || !timestamp)
    return { ok: false, reason: `${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} are required` };
  const at = timestampMs(timestamp);
  if (at === undefined) return { ok: false, reason: `${TIMESTAMP_HEADER} is not a timestamp` };
  if (Math.abs(nowMs - at) > toleranceSeconds * 1000)
    return { ok: false, reason: `${TIMESTAMP_HEADER} is outside the ${toleranceSeconds} s window` };
  if (!safeEqual(signature.toLowerCase(), lobSignature(secret, timestamp, raw)))
    return { ok: false, reason: 'the signature does not match' };
  return { ok: true };
}

/** The event's `id` (`evt_…`); a body without one is identified by its hash. */
export function lobEventIdOf(body: unknown, raw: Buffer): string {
  const id = (body as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' && id.trim() !== '' && id.length <= 512
    ? id
    : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

export function createLobWebhook(
  ctx: ConnectorContext,
  secret: string | undefined,
): WebhookConnector {
  const key = secret?.trim() ? secret : undefined;
  return {
    id: 'postal',
    secretConfigured: key !== undefined,
    verify(request): WebhookVerification {
      if (key === undefined) return { ok: false, reason: 'no webhook secret configured' };
      const check = verifyLobSignature(key, request.headers, request.rawBody, ctx.clock.now());
      if (!check.ok) return check;
      return { ok: true, eventId: lobEventIdOf(request.body, request.rawBody) };
    },
    async handle(event): Promise<WebhookResponse> {
      const reading = readLobEvent(event.body);
      const eventId = event.eventId;
      if (reading.kind === 'ignored') {
        ctx.log.info(
          { eventId, eventType: reading.eventType },
          'Lob event acknowledged, not recorded',
        );
        return { body: { received: true, eventId, recorded: false, ignored: reading.reason } };
      }
      if (reading.kind === 'not_mailed') {
        // The proof says mailed but Lob will not mail it: a person must look (no MailEventType fits).
        ctx.log.warn(
          { eventId, eventType: reading.eventType, letterId: reading.letterId },
          'Lob will not mail this letter; check its delivery and serve the notice again',
        );
        return { body: { received: true, eventId, recorded: false, ignored: reading.reason } };
      }
      const { event: mail, letterId } = reading;
      let result = await ctx.inbound.mailEvent({ ...mail, eventId });
      if (result === null && letterId !== undefined && letterId !== mail.trackingNumber)
        // A certified letter whose number was not known when it was created: its proof holds the id.
        result = await ctx.inbound.mailEvent({ ...mail, trackingNumber: letterId, eventId });
      if (result === null) {
        ctx.log.info({ eventId, letterId }, 'Lob event for a letter Arrears did not mail');
        return { body: { received: true, eventId, recorded: false, ignored: 'unknown letter' } };
      }
      return {
        body: {
          received: true,
          eventId,
          recorded: true,
          type: mail.type,
          proofId: result.proofId,
          appended: result.appended,
        },
      };
    },
  };
}
