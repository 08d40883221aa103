/**
 * `POST /webhooks/intercom` (reference §7): every notification is signed
 * `X-Hub-Signature: sha1=<hex HMAC-SHA1(app client_secret, raw body)>`, with no timestamp;
 * the router dedupes on the notification `id` (`notif_…`). A tenant's new conversation or
 * reply (`conversation.user.created` / `conversation.user.replied`) goes to the inbound
 * sink as a chat reply from the contact's e-mail (or phone); every other topic, `ping`
 * included, is acknowledged and ignored.
 */
import { createHash } from 'node:crypto';
import type {
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import type { ConnectorContext } from '../context.js';
import { headerOf, hmac, safeEqual } from '../signing.js';
import type { IntercomClient } from './client.js';
import { inboundOf, topicOf } from './map.js';

export const SIGNATURE_HEADER = 'X-Hub-Signature';

/** The header value Intercom sends for `raw` (fakes and tests sign with it too). */
export function signIntercom(secret: string, raw: string | Buffer): string {
  return `sha1=${hmac('sha1', secret, raw).toString('hex')}`;
}

function eventIdOf(body: unknown, raw: Buffer): string {
  const id = body !== null && typeof body === 'object' ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' && id.length <= 512
    ? id
    : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

export function intercomWebhook(
  ctx: ConnectorContext,
  client: IntercomClient,
  secret: string | undefined,
): WebhookConnector {
  const key = secret?.trim() ? secret : undefined;
  return {
    id: 'intercom',
    secretConfigured: key !== undefined,
    verify(request): WebhookVerification {
      if (key === undefined) return { ok: false, reason: 'no client secret configured' };
      const given = headerOf(request.headers, SIGNATURE_HEADER);
      if (given === undefined || given.trim() === '')
        return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
      if (!safeEqual(given.trim().toLowerCase(), signIntercom(key, request.rawBody)))
        return { ok: false, reason: 'signature mismatch' };
      return { ok: true, eventId: eventIdOf(request.body, request.rawBody) };
    },
    async handle(event): Promise<WebhookResponse> {
      const topic = topicOf(event.body) ?? null;
      const inbound = inboundOf(event.body);
      const ack = { received: true, duplicate: false, eventId: event.eventId, topic };
      if (!inbound) return { body: { ...ack, ignored: true } };
      const from =
        inbound.author.email ??
        inbound.author.phone ??
        (inbound.author.id !== undefined
          ? await client.contactPoint(inbound.author.id)
          : undefined);
      if (from === undefined) {
        ctx.log.warn(
          { connector: 'intercom', eventId: event.eventId, topic },
          'reply from a contact with neither e-mail nor phone: not matched to a tenant',
        );
        return { body: { ...ack, ignored: true } };
      }
      const r = await ctx.inbound.reply({
        channel: 'chat',
        from,
        text: inbound.text,
        providerMessageId: inbound.partId,
        receivedAt:
          inbound.createdAt !== undefined
            ? new Date(inbound.createdAt * 1000).toISOString()
            : event.receivedAt,
      });
      return {
        body: { ...ack, replyId: r.replyId, status: r.status, intent: r.intent },
      };
    },
  };
}
