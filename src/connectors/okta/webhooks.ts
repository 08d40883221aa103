/**
 * `/webhooks/okta`: Okta event hooks (reference §10). Okta signs nothing: a hook is
 * registered with a static `Authorization` header value (authScheme HEADER) that every call
 * carries, compared here in constant time with EVENT_HOOK_SECRET.
 *
 * - One-time verification: Okta sends a GET with `X-Okta-Verification-Challenge: <v>` (and
 *   the Authorization value) and expects 200 `{"verification": "<v>"}`: answered by
 *   `handshake` on `GET /webhooks/okta`. A POST carrying the header gets the same answer.
 * - Deliveries: `{eventType: "com.okta.event_hook", eventId, data: {events: [System Log
 *   events]}}`; deduplicated by the router on `eventId`. Lifecycle events (suspend /
 *   unsuspend / deactivate, group membership) are acknowledged and logged with ids only: an
 *   admin acting in Okta directly is something staff may want to see, but it does not change
 *   a case.
 */
import { createHash } from 'node:crypto';
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import type { ConnectorContext } from '../context.js';
import { headerOf, safeEqual } from '../signing.js';
import { hookDeliveryOf } from './map.js';

export const CHALLENGE_HEADER = 'x-okta-verification-challenge';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function challengeOf(request: InboundWebhookRequest): string | undefined {
  const v = headerOf(request.headers, CHALLENGE_HEADER)?.trim();
  return v !== undefined && v !== '' && v.length <= 512 ? v : undefined;
}

const verificationAnswer = (challenge: string): WebhookResponse => ({
  status: 200,
  body: { verification: challenge },
  contentType: 'application/json',
});

export function oktaWebhook(ctx: ConnectorContext, secret: string | undefined): WebhookConnector {
  const key = secret?.trim() ? secret.trim() : undefined;
  const authorised = (request: InboundWebhookRequest) => {
    const given = headerOf(request.headers, 'authorization');
    return key !== undefined && given !== undefined && safeEqual(given.trim(), key);
  };
  return {
    id: 'okta',
    secretConfigured: key !== undefined,
    verify(request): WebhookVerification {
      if (key === undefined) return { ok: false, reason: 'no event hook secret configured' };
      const given = headerOf(request.headers, 'authorization');
      if (given === undefined || given.trim() === '')
        return { ok: false, reason: 'no Authorization header' };
      if (!authorised(request))
        return { ok: false, reason: 'Authorization header does not match the event hook secret' };
      const challenge = challengeOf(request);
      if (challenge !== undefined)
        return { ok: true, eventId: `verification:${sha256(challenge)}` };
      const id = hookDeliveryOf(request.body).eventId;
      return {
        ok: true,
        eventId: id !== null && id.length <= 512 ? id : `sha256:${sha256(request.rawBody)}`,
      };
    },
    handle(event): Promise<WebhookResponse> {
      const challenge = challengeOf(event);
      if (challenge !== undefined) {
        ctx.log.info({ connector: 'okta' }, 'event hook verification answered');
        return Promise.resolve(verificationAnswer(challenge));
      }
      const delivery = hookDeliveryOf(event.body);
      for (const e of delivery.events)
        ctx.log.info(
          {
            connector: 'okta',
            eventId: event.eventId,
            eventType: e.eventType,
            published: e.published,
            targets: e.targets.map((t) => `${t.type}:${t.id}`),
          },
          'okta event hook event',
        );
      return Promise.resolve({
        body: {
          received: true,
          duplicate: false,
          eventId: event.eventId,
          events: delivery.events.length,
        },
      });
    },
    handshake(request): WebhookResponse {
      // The router does not check anything on a GET: the connector does.
      const challenge = challengeOf(request);
      const refused = !authorised(request)
        ? 'Authorization header missing or not the event hook secret'
        : challenge === undefined
          ? `no ${CHALLENGE_HEADER} header`
          : undefined;
      if (refused !== undefined || challenge === undefined) {
        ctx.log.warn({ connector: 'okta', reason: refused }, 'event hook verification refused');
        return { status: 401, contentType: 'application/json', body: { error: refused } };
      }
      ctx.log.info({ connector: 'okta' }, 'event hook verification answered');
      return verificationAnswer(challenge);
    },
    duplicateResponse(request) {
      // A repeated verification must still be answered, or Okta marks the hook unverified.
      const challenge = challengeOf(request);
      return challenge === undefined ? undefined : verificationAnswer(challenge);
    },
  };
}
