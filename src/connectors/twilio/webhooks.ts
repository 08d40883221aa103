/**
 * `POST /webhooks/twilio`: inbound SMS, message and call status callbacks, and the key
 * presses of notice calls, all signed by Twilio (reference section 1 "Signature"):
 *
 *   X-Twilio-Signature = base64 HMAC-SHA1(Auth Token, URL + each POST param as name+value,
 *                        names sorted, a repeated name's values sorted)
 *
 * over the URL Twilio called, which the router rebuilds from ARREARS_PUBLIC_URL. Twilio
 * signs inconsistently with and without an explicit default port, so both are accepted, as
 * the official SDK does. A JSON body instead carries `bodySHA256` in the URL: the URL alone
 * is signed and the body must hash to it. There is no timestamp, so replays are caught by
 * the router's dedupe on the event id. Twilio's answers never depend on handling (TwiML
 * from the request alone), so under load a callback is answered once stored and handled by
 * the inbox drainer after (`deferredResponse`).
 */
import { createHash } from 'node:crypto';
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import type { ConnectorLog, InboundSink } from '../context.js';
import { headerOf, hmac, safeEqual } from '../signing.js';
import {
  callbackOf,
  EMPTY_TWIML,
  fallbackEventIdOf,
  gatherAnswerTwiml,
  type TwilioCallback,
} from './map.js';

export const SIGNATURE_HEADER = 'X-Twilio-Signature';
export const IDEMPOTENCY_HEADER = 'I-Twilio-Idempotency-Token';
const MAX_EVENT_ID = 512;

type Params = URLSearchParams | Readonly<Record<string, string>>;

function grouped(params: Params, distinct: boolean): [string, string[]][] {
  const byName = new Map<string, string[]>();
  const entries = params instanceof URLSearchParams ? [...params] : Object.entries(params);
  for (const [name, value] of entries) {
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  return [...byName.keys()].sort().map((name) => {
    const values = byName.get(name)!;
    return [name, (distinct ? [...new Set(values)] : values).sort()];
  });
}

function signatureOf(authToken: string, url: string, names: [string, string[]][]): string {
  let data = url;
  for (const [name, values] of names) for (const value of values) data += name + value;
  return hmac('sha1', authToken, Buffer.from(data, 'utf8')).toString('base64');
}

/** The X-Twilio-Signature of a POST of `params` to `url` (fakes and tests sign with it). */
export function twilioSignature(authToken: string, url: string, params: Params = {}): string {
  return signatureOf(authToken, url, grouped(params, false));
}

/** The URL as Twilio may have signed it: as called, normalised, and with the default port. */
export function signedUrlVariants(url: string): string[] {
  const variants = new Set([url]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [...variants];
  }
  // WHATWG URL drops a default port, so this is also the "without port" form.
  variants.add(parsed.toString());
  if (parsed.port === '') {
    const port = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
    if (port !== '') {
      const auth = parsed.username
        ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@`
        : '';
      variants.add(
        `${parsed.protocol}//${auth}${parsed.host}:${port}${parsed.pathname}${parsed.search}${parsed.hash}`,
      );
    }
  }
  return [...variants];
}

function contentTypeOf(request: InboundWebhookRequest): string {
  return (headerOf(request.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The params of each body read, by its bytes: a callback is read for its signature, its
 * answer and its handling. Only read, never changed, by whoever gets them.
 */
const formParamsByBody = new WeakMap<Buffer, URLSearchParams>();

/** The POST params exactly as sent (from the raw bytes, not a parser's reading of them). */
export function formParamsOf(request: InboundWebhookRequest): URLSearchParams {
  if (contentTypeOf(request) !== 'application/x-www-form-urlencoded') return new URLSearchParams();
  let params = formParamsByBody.get(request.rawBody);
  if (!params) {
    params = new URLSearchParams(request.rawBody.toString('utf8'));
    formParamsByBody.set(request.rawBody, params);
  }
  return params;
}

/** The last URL's query: every callback comes to the same few URLs. Only read. */
let lastQuery: { url: string; params: URLSearchParams } | undefined;

function queryOf(url: string): URLSearchParams {
  if (lastQuery?.url === url) return lastQuery.params;
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    params = new URLSearchParams();
  }
  lastQuery = { url, params };
  return params;
}

export type TwilioVerification =
  { ok: true; params: URLSearchParams } | { ok: false; reason: string };

/** Checks X-Twilio-Signature (constant-time) over the public URL and the raw body. */
export function verifyTwilioRequest(
  authToken: string,
  request: InboundWebhookRequest,
): TwilioVerification {
  const given = headerOf(request.headers, SIGNATURE_HEADER);
  if (given === undefined || given.trim() === '')
    return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };

  const bodyHash = queryOf(request.url).get('bodySHA256');
  const params = bodyHash === null ? formParamsOf(request) : new URLSearchParams();
  const orders = [grouped(params, false)];
  // The SDK signs each distinct value of a repeated param once; accept its form too.
  if (orders[0]!.some(([, v]) => v.length > 1)) {
    const distinct = grouped(params, true);
    if (orders[0]!.some(([, v], i) => v.length !== distinct[i]![1].length)) orders.push(distinct);
  }

  // Each comparison is constant-time; which form matched is no secret, so the first match
  // ends the search.
  const match = signedUrlVariants(request.url).some((url) =>
    orders.some((names) => safeEqual(given.trim(), signatureOf(authToken, url, names))),
  );
  if (!match) return { ok: false, reason: 'signature mismatch' };

  if (bodyHash !== null) {
    const actual = createHash('sha256').update(request.rawBody).digest('hex');
    if (!safeEqual(bodyHash.toLowerCase(), actual))
      return { ok: false, reason: 'body does not match bodySHA256' };
  }
  return { ok: true, params };
}

/** The token Twilio repeats on retries of one callback, else the SID and status it reports. */
export function eventIdOf(request: InboundWebhookRequest, params: URLSearchParams): string {
  const token = headerOf(request.headers, IDEMPOTENCY_HEADER)?.trim();
  if (token && token.length <= MAX_EVENT_ID) return token;
  const fromCallback = fallbackEventIdOf(callbackOf(params, queryOf(request.url)));
  if (fromCallback !== undefined && fromCallback.length <= MAX_EVENT_ID) return fromCallback;
  return `sha256:${createHash('sha256').update(request.url).update('\n').update(request.rawBody).digest('hex')}`;
}

const TWIML = 'text/xml; charset=utf-8';

export interface TwilioWebhookDeps {
  /** The Auth Token; blank or undefined: every callback is refused. */
  authToken: string | undefined;
  inbound: InboundSink;
  log: ConnectorLog;
}

export function createTwilioWebhook(deps: TwilioWebhookDeps): WebhookConnector {
  const authToken = deps.authToken?.trim() ? deps.authToken : undefined;

  async function record(
    callback: TwilioCallback,
    eventId: string,
    receivedAt: string,
  ): Promise<WebhookResponse | void> {
    switch (callback.kind) {
      case 'inbound_sms':
        // Twilio has already answered a STOP and blocked the pair; the reply records the opt-out.
        await deps.inbound.reply({
          channel: 'sms',
          from: callback.from,
          to: callback.to,
          text: callback.text,
          providerMessageId: callback.messageSid,
          receivedAt,
        });
        return { status: 200, body: EMPTY_TWIML, contentType: TWIML };
      case 'message_status':
        if (callback.status !== null)
          await deps.inbound.delivery({
            eventId,
            status: callback.status,
            providerMessageId: callback.messageSid,
            at: receivedAt,
            detail: callback.errorCode,
          });
        return;
      case 'call_status':
        if (callback.status !== null)
          await deps.inbound.delivery({
            eventId,
            status: callback.status,
            providerMessageId: callback.callSid,
            at: callback.at ?? receivedAt,
            detail: callback.status === 'delivered' ? null : callback.twilioStatus,
          });
        return;
      case 'gather':
        return { status: 200, body: gatherAnswerTwiml(callback), contentType: TWIML };
      case 'other':
        return;
    }
  }

  return {
    id: 'twilio',
    secretConfigured: authToken !== undefined,
    verify(request): WebhookVerification {
      if (authToken === undefined) return { ok: false, reason: 'no Auth Token configured' };
      const checked = verifyTwilioRequest(authToken, request);
      if (!checked.ok) return checked;
      return { ok: true, eventId: eventIdOf(request, checked.params) };
    },
    async handle(event) {
      const params = queryOf(event.url).has('bodySHA256')
        ? new URLSearchParams()
        : formParamsOf(event);
      const callback = callbackOf(params, queryOf(event.url));
      deps.log.info(
        { connector: 'twilio', eventId: event.eventId, kind: callback.kind },
        'twilio callback',
      );
      return record(callback, event.eventId, event.receivedAt);
    },
    // A repeat during a live call must still be TwiML: the key-press answer again (it has
    // no side effects), and an empty <Response/> for a repeated inbound SMS.
    duplicateResponse: answerOf,
    // Every answer is computed from the request alone (the same as `handle` returns), so a
    // callback may be answered once stored and handled after.
    deferredResponse: answerOf,
  };
}

/** What Twilio is answered for a callback, whatever handling it does or did. */
function answerOf(request: InboundWebhookRequest): WebhookResponse | undefined {
  const query = queryOf(request.url);
  const params = query.has('bodySHA256') ? new URLSearchParams() : formParamsOf(request);
  const callback = callbackOf(params, query);
  if (callback.kind === 'gather')
    return { status: 200, body: gatherAnswerTwiml(callback), contentType: TWIML };
  if (callback.kind === 'inbound_sms')
    return { status: 200, body: EMPTY_TWIML, contentType: TWIML };
  return undefined;
}
