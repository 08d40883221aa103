/**
 * `POST /webhooks/sendgrid` takes two kinds of posts, told apart by the URL:
 *
 *   …/webhooks/sendgrid                        the Signed Event Webhook: a JSON array of
 *                                              events, ECDSA-signed (checked here)
 *   …/webhooks/sendgrid?parse_token=<token>    Inbound Parse: a tenant's e-mail as
 *                                              multipart/form-data
 *
 * SendGrid documents no signature for Inbound Parse (its "signing policies" are named but
 * their headers are not), so that URL carries a secret of ours, INBOUND_PARSE_TOKEN,
 * compared in constant time. The parameter's name contains "token" so the request log
 * masks it.
 *
 * Event signature: base64-decode X-Twilio-Email-Event-Webhook-Signature (ASN.1 DER), and
 * verify ECDSA/SHA-256 over the X-Twilio-Email-Event-Webhook-Timestamp value immediately
 * followed by the raw body with the configured public key. SendGrid documents no replay
 * window; it retries a failed post for up to 24 h and does not say whether a retry is
 * re-signed, so a timestamp more than 25 h away is refused: a genuine retry still passes,
 * a captured post cannot be replayed days later.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookEvent,
  WebhookResponse,
  WebhookVerification,
} from '../../app/ports/webhooks.js';
import { InputError } from '../../domain/errors.js';
import type { Clock } from '../../app/ports/clock.js';
import type { ConnectorLog, InboundSink } from '../context.js';
import { headerOf, safeEqual, withinTolerance } from '../signing.js';
import {
  actionOf,
  batchIdOf,
  eventsOf,
  parseFieldsOf,
  parseMessageIdOf,
  parseReplyOf,
} from './map.js';

export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';
export const PARSE_TOKEN_PARAM = 'parse_token';
export const TIMESTAMP_TOLERANCE_SECONDS = 25 * 3600;

/** The verification key from its setting (base64 DER SPKI or PEM); undefined if unreadable. */
export function readPublicKey(value: string | undefined): KeyObject | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  try {
    const key = v.includes('-----BEGIN')
      ? createPublicKey(v)
      : createPublicKey({
          key: Buffer.from(v.replace(/\s+/g, ''), 'base64'),
          format: 'der',
          type: 'spki',
        });
    return key.asymmetricKeyType === 'ec' ? key : undefined;
  } catch {
    return undefined;
  }
}

const signedBytes = (timestamp: string, raw: string | Buffer) =>
  Buffer.concat([Buffer.from(timestamp, 'utf8'), Buffer.isBuffer(raw) ? raw : Buffer.from(raw)]);

/** SendGrid's signature of a post (the fake and tests sign with the private key). */
export function signEventWebhook(
  privateKey: KeyObject,
  timestamp: string,
  raw: string | Buffer,
): string {
  return sign('sha256', signedBytes(timestamp, raw), {
    key: privateKey,
    dsaEncoding: 'der',
  }).toString('base64');
}

/** ECDSA verification is not a comparison of secrets, so it has no timing to hide. */
export function verifyEventSignature(
  publicKey: KeyObject,
  signature: string,
  timestamp: string,
  raw: Buffer,
): boolean {
  try {
    return verify(
      'sha256',
      signedBytes(timestamp, raw),
      { key: publicKey, dsaEncoding: 'der' },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

function parseTokenOf(url: string): string | null {
  try {
    return new URL(url).searchParams.get(PARSE_TOKEN_PARAM);
  } catch {
    return null;
  }
}

function refused(detail: string, eventId: string): WebhookResponse {
  return {
    status: 400,
    contentType: 'application/problem+json',
    body: {
      type: 'urn:arrears:problem:invalid_input',
      title: 'The input is not valid',
      status: 400,
      detail,
      eventId,
    },
  };
}

export interface SendgridWebhookOptions {
  /** WEBHOOK_PUBLIC_KEY as configured. */
  publicKey: string | undefined;
  /** INBOUND_PARSE_TOKEN as configured. */
  parseToken: string | undefined;
  inbound: InboundSink;
  clock: Clock;
  log: ConnectorLog;
}

export function createSendgridWebhook(options: SendgridWebhookOptions): WebhookConnector {
  const publicKey = readPublicKey(options.publicKey);
  if (options.publicKey?.trim() && !publicKey)
    options.log.warn(
      { connector: 'sendgrid' },
      'ARREARS_SENDGRID_WEBHOOK_PUBLIC_KEY is not a readable EC public key; events are refused',
    );
  const parseToken = options.parseToken?.trim() || undefined;
  const contentType = (r: InboundWebhookRequest) => headerOf(r.headers, 'content-type');

  function verifyEvents(request: InboundWebhookRequest): WebhookVerification {
    if (!publicKey) return { ok: false, reason: 'no readable WEBHOOK_PUBLIC_KEY configured' };
    const signature = headerOf(request.headers, SIGNATURE_HEADER);
    const timestamp = headerOf(request.headers, TIMESTAMP_HEADER);
    if (!signature || !timestamp)
      return { ok: false, reason: `${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} are required` };
    if (!withinTolerance(timestamp, options.clock.now(), TIMESTAMP_TOLERANCE_SECONDS))
      return { ok: false, reason: 'signature timestamp is stale or not unix seconds' };
    if (!verifyEventSignature(publicKey, signature, timestamp, request.rawBody))
      return { ok: false, reason: 'signature does not verify' };
    return { ok: true, eventId: batchIdOf(eventsOf(request.body) ?? [], request.rawBody) };
  }

  function verifyParse(request: InboundWebhookRequest, given: string): WebhookVerification {
    if (!parseToken) return { ok: false, reason: 'no INBOUND_PARSE_TOKEN configured' };
    if (!safeEqual(given, parseToken)) return { ok: false, reason: 'parse token does not match' };
    const fields = parseFieldsOf(request.rawBody, contentType(request)) ?? {};
    return { ok: true, eventId: `sg-parse:${parseMessageIdOf(fields, request.rawBody)}` };
  }

  async function handleEvents(event: WebhookEvent) {
    const events = eventsOf(event.body);
    if (!events) return refused('the Event Webhook body must be a JSON array', event.eventId);
    let handled = 0;
    let ignored = 0;
    for (const e of events) {
      const action = actionOf(e, event.receivedAt);
      try {
        if (action.kind === 'delivery') await options.inbound.delivery(action.receipt);
        else if (action.kind === 'opt_out') await options.inbound.reply(action.reply);
        else {
          ignored++;
          continue;
        }
        handled++;
      } catch (error) {
        // One unreadable event must not make SendGrid retry the whole batch for a day.
        if (!(error instanceof InputError)) throw error;
        options.log.warn(
          { connector: 'sendgrid', sgEventId: e.sg_event_id, problem: error.message },
          'event skipped',
        );
        ignored++;
      }
    }
    return { body: { received: true, duplicate: false, eventId: event.eventId, handled, ignored } };
  }

  async function handleParse(event: WebhookEvent) {
    const fields = parseFieldsOf(event.rawBody, contentType(event));
    if (!fields) return refused('Inbound Parse posts are multipart/form-data', event.eventId);
    const messageId = parseMessageIdOf(fields, event.rawBody);
    const parsed = parseReplyOf(fields, messageId, event.receivedAt);
    if (!parsed.ok) return refused(parsed.problem, event.eventId);
    const r = await options.inbound.reply(parsed.reply);
    return {
      body: { received: true, duplicate: false, eventId: event.eventId, replyId: r.replyId },
    };
  }

  return {
    id: 'sendgrid',
    // Either kind of post can be verified: the router refuses all (503) only with neither.
    secretConfigured: publicKey !== undefined || parseToken !== undefined,
    verify(request) {
      const token = parseTokenOf(request.url);
      return token === null ? verifyEvents(request) : verifyParse(request, token);
    },
    handle(event) {
      return parseTokenOf(event.url) === null ? handleEvents(event) : handleParse(event);
    },
  };
}
