/**
 * `POST /webhooks/mailgun` takes two kinds of posts, told apart by content type:
 *
 *   application/json     a webhook: `{signature: {timestamp, token, signature}, "event-data"}`
 *   form or multipart    a Route's `forward("https://…/webhooks/mailgun")`: the tenant's
 *                        message as fields, with `timestamp`, `token`, `signature` among them
 *
 * Both are signed the same way: hex HMAC-SHA256 with the webhook signing key over
 * `timestamp` immediately followed by `token`, compared in constant time. Mailgun makes the
 * replay checks optional; here a timestamp more than 15 minutes from our clock is refused,
 * and the token is the event id, so a reused token is answered as a duplicate by the router.
 *
 * Answers: 200 when handled; 406 for a signed post we cannot read, which Mailgun documents
 * as "rejected, never retried" (a retry would not read any better).
 */
import type { Clock } from '../../app/ports/clock.js';
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookEvent,
  WebhookResponse,
} from '../../app/ports/webhooks.js';
import { InputError } from '../../domain/errors.js';
import type { ConnectorLog, InboundSink } from '../context.js';
import { fieldsOf } from '../sandbox/map.js';
import { headerOf, hmac, safeEqual, withinTolerance } from '../signing.js';
import { actionOf, routeReplyOf, signaturePartsOf, type SignatureParts } from './map.js';

export const TIMESTAMP_TOLERANCE_SECONDS = 15 * 60;

/** Mailgun's signature of (timestamp, token): for the fake and tests. */
export function signMailgun(signingKey: string, timestamp: string, token: string): string {
  return hmac('sha256', signingKey, timestamp, token).toString('hex');
}

const isJson = (r: InboundWebhookRequest) =>
  /^\s*application\/([\w.+-]*\+)?json\s*(;|$)/i.test(headerOf(r.headers, 'content-type') ?? '');

function routeFieldsOf(r: InboundWebhookRequest) {
  return fieldsOf(r.body, r.rawBody, headerOf(r.headers, 'content-type'));
}

function signatureOf(r: InboundWebhookRequest): SignatureParts | undefined {
  if (isJson(r))
    return signaturePartsOf((r.body as { signature?: unknown } | undefined)?.signature);
  return signaturePartsOf(routeFieldsOf(r));
}

function notAcceptable(detail: string, eventId: string): WebhookResponse {
  return {
    status: 406,
    contentType: 'application/problem+json',
    body: {
      type: 'urn:arrears:problem:invalid_input',
      title: 'The input is not valid',
      status: 406,
      detail,
      eventId,
    },
  };
}

export interface MailgunWebhookOptions {
  /** WEBHOOK_SIGNING_KEY as configured. */
  signingKey: string | undefined;
  inbound: InboundSink;
  clock: Clock;
  log: ConnectorLog;
}

export function createMailgunWebhook(options: MailgunWebhookOptions): WebhookConnector {
  const key = options.signingKey?.trim() || undefined;

  async function handleEvent(event: WebhookEvent): Promise<WebhookResponse> {
    const data = (event.body as { 'event-data'?: unknown } | undefined)?.['event-data'];
    if (data === null || typeof data !== 'object')
      return notAcceptable('a webhook carries `event-data`', event.eventId);
    const action = actionOf(data, event.eventId, event.receivedAt);
    const answer = (handled: boolean) => ({
      body: { received: true, duplicate: false, eventId: event.eventId, handled },
    });
    if (action.kind === 'ignored') return answer(false);
    try {
      if (action.kind === 'delivery') await options.inbound.delivery(action.receipt);
      else await options.inbound.reply(action.reply);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      options.log.warn({ connector: 'mailgun', problem: error.message }, 'event skipped');
      return notAcceptable(error.message, event.eventId);
    }
    return answer(true);
  }

  async function handleRoute(event: WebhookEvent): Promise<WebhookResponse> {
    const fields = routeFieldsOf(event);
    if (!fields) return notAcceptable('a Route posts form fields', event.eventId);
    const parsed = routeReplyOf(fields, event.rawBody, event.receivedAt);
    if (!parsed.ok) return notAcceptable(parsed.problem, event.eventId);
    const r = await options.inbound.reply(parsed.reply);
    return {
      body: { received: true, duplicate: false, eventId: event.eventId, replyId: r.replyId },
    };
  }

  return {
    id: 'mailgun',
    secretConfigured: key !== undefined,
    verify(request) {
      if (key === undefined) return { ok: false, reason: 'no WEBHOOK_SIGNING_KEY configured' };
      const parts = signatureOf(request);
      if (!parts) return { ok: false, reason: 'timestamp, token and signature are required' };
      if (parts.token.length > 500) return { ok: false, reason: 'token is too long' };
      if (!withinTolerance(parts.timestamp, options.clock.now(), TIMESTAMP_TOLERANCE_SECONDS))
        return { ok: false, reason: 'signature timestamp is stale or not unix seconds' };
      const expected = signMailgun(key, parts.timestamp, parts.token);
      if (!safeEqual(expected, parts.signature.toLowerCase()))
        return { ok: false, reason: 'signature does not match' };
      return { ok: true, eventId: parts.token };
    },
    handle(event) {
      return isJson(event) ? handleEvent(event) : handleRoute(event);
    },
  };
}
