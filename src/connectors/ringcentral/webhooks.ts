/**
 * RingCentral's webhook notifications at `/webhooks/ringcentral`. There is no HMAC
 * (reference cheat sheet): a subscription is created with a `verificationToken`, and every
 * notification carries it in the `Verification-Token` header, compared here in constant
 * time with WEBHOOK_TOKEN. Anyone holding the token can forge a notification and a body
 * altered in transit cannot be detected — TLS is what protects it. No timestamp is signed,
 * so there is no replay window; replays are caught by the router's dedupe on `uuid`.
 *
 * When a subscription is created RingCentral first POSTs an empty request carrying a
 * `Validation-Token` header that must come back as a response header with 200 and JSON
 * content (else SUB-525).
 */
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import type { ConnectorLog, InboundSink } from '../context.js';
import { headerOf, safeEqual } from '../signing.js';
import type { RingCentralClient } from './client.js';
import { notificationIdOf, notificationOf, receiptsOf } from './map.js';

export const VALIDATION_TOKEN = 'Validation-Token';
export const VERIFICATION_TOKEN = 'Verification-Token';

/** Printable ASCII without spaces: safe to send back in a header, and small (≤1,024 B answer). */
const ECHOABLE = /^[\x21-\x7e]{1,256}$/;

/** Outbound SMS older than this are not looked at when statuses change. */
const STATUS_LOOKBACK_MS = 24 * 3_600_000;

/** The body as JSON: RingCentral sends `application/json; charset=UTF-8`, but be lenient. */
function jsonOf(req: InboundWebhookRequest): unknown {
  if (req.body !== undefined && typeof req.body === 'object') return req.body;
  if (req.rawBody.length === 0) return undefined;
  try {
    return JSON.parse(req.rawBody.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The token of a subscription handshake: the header on a request that is no notification. */
export function handshakeTokenOf(req: InboundWebhookRequest): string | undefined {
  if (notificationIdOf(jsonOf(req)) !== undefined) return undefined;
  const token = headerOf(req.headers, VALIDATION_TOKEN);
  return token !== undefined && ECHOABLE.test(token) ? token : undefined;
}

export function verifyRingCentral(
  req: InboundWebhookRequest,
  webhookToken: string,
): WebhookVerification {
  const verification = headerOf(req.headers, VERIFICATION_TOKEN);
  const handshake = handshakeTokenOf(req);
  if (handshake !== undefined) {
    // Echoing changes nothing, and whether the handshake carries the verification token
    // is not documented: only a wrong one is refused.
    if (verification !== undefined && !safeEqual(verification, webhookToken))
      return { ok: false, reason: 'Verification-Token does not match' };
    return { ok: true, eventId: `validation:${handshake}`, handshake: true };
  }
  // The reference reads the token back from `Validation-Token`; RingCentral's guide from
  // `Verification-Token`. Either is compared with the same secret.
  const presented = verification ?? headerOf(req.headers, VALIDATION_TOKEN);
  if (presented === undefined) return { ok: false, reason: 'no Verification-Token header' };
  if (!safeEqual(presented, webhookToken))
    return { ok: false, reason: 'Verification-Token does not match' };
  const eventId = notificationIdOf(jsonOf(req));
  if (eventId === undefined) return { ok: false, reason: 'notification without a uuid' };
  return { ok: true, eventId };
}

/**
 * The handshake answer. `headers` is not (yet) part of WebhookResponse, so the router does
 * not send it: the token is echoed in the body meanwhile, and the header takes effect as
 * soon as the router copies `headers` onto the reply.
 */
export function handshakeResponse(token: string): WebhookResponse {
  const response: WebhookResponse & { headers: Record<string, string> } = {
    status: 200,
    contentType: 'application/json',
    body: { validationToken: token },
    headers: { [VALIDATION_TOKEN]: token },
  };
  return response;
}

export interface RingCentralWebhookDeps {
  /** WEBHOOK_TOKEN; undefined → every request refused (503 by the router). */
  webhookToken: string | undefined;
  inbound: InboundSink;
  client: Pick<RingCentralClient, 'outboundSmsSince' | 'renewSubscription'>;
  log: ConnectorLog;
}

export function createRingCentralWebhook(deps: RingCentralWebhookDeps): WebhookConnector {
  const { webhookToken, inbound, client, log } = deps;
  return {
    id: 'ringcentral',
    secretConfigured: webhookToken !== undefined && webhookToken !== '',
    verify: (req) =>
      webhookToken
        ? verifyRingCentral(req, webhookToken)
        : { ok: false, reason: 'WEBHOOK_TOKEN is not configured' },
    async handle(event) {
      const handshake = handshakeTokenOf(event);
      if (handshake !== undefined) {
        log.info({ connector: 'ringcentral' }, 'subscription handshake answered');
        return handshakeResponse(handshake);
      }
      const n = notificationOf(jsonOf(event), event.receivedAt);
      switch (n.kind) {
        case 'inbound_sms':
          await inbound.reply(n.message);
          return;
        case 'outbound_sms_changed': {
          const since = new Date(Date.parse(n.lastUpdated) - STATUS_LOOKBACK_MS).toISOString();
          // A failed read throws: the router releases the event so a redelivery is handled.
          const records = await client.outboundSmsSince(since);
          for (const receipt of receiptsOf(records, n.lastUpdated)) await inbound.delivery(receipt);
          return;
        }
        case 'renewal_reminder':
          // Reminders repeat until expiry, so a failed renewal is only logged.
          try {
            const res = await client.renewSubscription(n.subscriptionId);
            if (res.status !== 200)
              log.warn({ connector: 'ringcentral', status: res.status }, 'renewal refused');
          } catch (error) {
            log.warn(
              { connector: 'ringcentral', error: (error as Error).message },
              'renewal failed',
            );
          }
          return;
        case 'ignored':
          log.info({ connector: 'ringcentral', eventId: event.eventId, why: n.why }, 'ignored');
          return;
      }
    },
  };
}
