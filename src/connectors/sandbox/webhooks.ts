/**
 * The sandbox channels' inbound webhooks: `POST /webhooks/sandbox-sms` and
 * `POST /webhooks/sandbox-email` (SPEC 10, 11). They let the whole inbound path — a tenant's
 * reply, a delivery receipt, a bounce — run without a third-party provider, signed the way
 * providers sign theirs:
 *
 *   X-Arrears-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>
 *
 * with the secret `ARREARS_SANDBOX_WEBHOOK_SECRET`. Several `v1=` values may be given (a
 * secret being rotated); comparisons are constant-time; a timestamp more than five minutes
 * from the server's clock is refused (a captured request cannot be replayed later). The
 * event id is the body's `id`, else the sha256 of the body: a replay inside the tolerance is
 * answered `{duplicate: true}` by the router (webhook_events) and not handled again. With no
 * secret configured every request is refused (the router answers 503).
 *
 * Bodies: see map.ts. A reply goes to app/receive-reply.ts `receiveReply`, a status to
 * `receiveDeliveryStatus`; the answer carries what happened (reply id, intent, suggestions,
 * queued answers, or the outbox transition).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../app/ports/clock.js';
import type {
  InboundWebhookRequest,
  WebhookConnector,
  WebhookResponse,
} from '../../app/ports/webhooks.js';
import {
  receiveDeliveryStatus,
  receiveReply,
  type InboundChannel,
  type InboundDeps,
} from '../../app/receive-reply.js';
import { InputError } from '../../domain/errors.js';
import { fieldsOf, isReceiptStatus, readPayload } from './map.js';

export const SIGNATURE_HEADER = 'x-arrears-signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const SANDBOX_CONNECTORS = { sms: 'sandbox-sms', email: 'sandbox-email' } as const;

/** The header value for `body` signed at `t` (unix seconds): for fakes, tests and clients. */
export function signSandboxWebhook(secret: string, body: string | Buffer, t: number): string {
  const mac = createHmac('sha256', secret)
    .update(`${t}.`)
    .update(typeof body === 'string' ? Buffer.from(body) : body)
    .digest('hex');
  return `t=${t},v1=${mac}`;
}

export interface SandboxWebhookDeps<Tx> extends InboundDeps<Tx> {
  orgId: string;
  /** `ARREARS_SANDBOX_WEBHOOK_SECRET`; empty or undefined: every request is refused. */
  secret: string | undefined;
  /** Seconds a signature's timestamp may differ from the clock (default 300). */
  toleranceSeconds?: number;
}

type Verified = { ok: true; eventId: string } | { ok: false; reason: string };

/** Checks the signature header against the raw body (constant-time) and the timestamp. */
export function verifySandboxSignature(
  secret: string,
  header: string | string[] | undefined,
  raw: Buffer,
  clock: Clock,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): { ok: true } | { ok: false; reason: string } {
  if (typeof header !== 'string' || header.trim() === '')
    return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
  let t: number | undefined;
  const given: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) given.push(Buffer.from(v, 'hex'));
  }
  if (t === undefined || given.length === 0)
    return { ok: false, reason: `${SIGNATURE_HEADER} must be t=<unix seconds>,v1=<hex>` };
  if (Math.abs(clock.now() - t * 1000) > toleranceSeconds * 1000)
    return { ok: false, reason: `signature timestamp outside the ${toleranceSeconds} s tolerance` };
  const expected = createHmac('sha256', secret).update(`${t}.`).update(raw).digest();
  let match = false;
  for (const g of given)
    if (g.length === expected.length && timingSafeEqual(g, expected)) match = true;
  return match ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

function contentTypeOf(headers: InboundWebhookRequest['headers']): string | undefined {
  const v = headers['content-type'];
  return Array.isArray(v) ? v[0] : v;
}

function invalid(error: InputError, eventId: string): WebhookResponse {
  return {
    status: 400,
    contentType: 'application/problem+json',
    body: {
      type: 'urn:arrears:problem:invalid_input',
      title: 'The input is not valid',
      status: 400,
      detail: error.message,
      errors: error.issues.map((i) => ({ path: i.path, message: i.message })),
      eventId,
    },
  };
}

/** The connector of one sandbox channel (`sandbox-sms` or `sandbox-email`). */
export function sandboxWebhookConnector<Tx>(
  channel: Extract<InboundChannel, 'sms' | 'email'>,
  deps: SandboxWebhookDeps<Tx>,
): WebhookConnector {
  const id = SANDBOX_CONNECTORS[channel];
  const secret = deps.secret?.trim() ? deps.secret : undefined;
  return {
    id,
    secretConfigured: secret !== undefined,
    verify(request): Verified {
      if (secret === undefined) return { ok: false, reason: 'no signing secret configured' };
      const check = verifySandboxSignature(
        secret,
        request.headers[SIGNATURE_HEADER],
        request.rawBody,
        deps.clock,
        deps.toleranceSeconds,
      );
      if (!check.ok) return check;
      const fields = fieldsOf(request.body, request.rawBody, contentTypeOf(request.headers));
      const given = fields?.id?.trim();
      return {
        ok: true,
        eventId:
          given && given.length <= 512
            ? given
            : `sha256:${createHash('sha256').update(request.rawBody).digest('hex')}`,
      };
    },
    async handle(event): Promise<WebhookResponse> {
      const fields = fieldsOf(event.body, event.rawBody, contentTypeOf(event.headers));
      if (!fields)
        return invalid(
          new InputError([
            { path: 'body', message: 'must be a JSON object, form fields or multipart/form-data' },
          ]),
          event.eventId,
        );
      const p = readPayload(fields, channel);
      try {
        if (p.kind === 'status') {
          if (!isReceiptStatus(p.status))
            throw new InputError([
              {
                path: 'status',
                message: `\`${p.status}\` is not a status; use delivered, undelivered, bounced, failed or returned`,
              },
            ]);
          const r = await receiveDeliveryStatus(deps, {
            orgId: deps.orgId,
            provider: id,
            eventId: event.eventId,
            status: p.status,
            providerMessageId: p.messageId ?? null,
            key: p.key ?? null,
            at: p.at ?? event.receivedAt,
            detail: p.detail,
          });
          return { body: { received: true, duplicate: false, eventId: event.eventId, ...r } };
        }
        if (p.from === undefined)
          throw new InputError([{ path: 'from', message: 'is required: who sent the message' }]);
        const r = await receiveReply(deps, {
          orgId: deps.orgId,
          channel: p.channel,
          from: p.from,
          to: p.to,
          text: p.text,
          subject: p.subject,
          provider: id,
          providerMessageId: p.messageId ?? event.eventId,
          receivedAt: p.receivedAt ?? event.receivedAt,
        });
        return { body: { received: true, eventId: event.eventId, ...r } };
      } catch (error) {
        if (error instanceof InputError) return invalid(error, event.eventId);
        throw error;
      }
    },
  };
}

/** Both sandbox connectors, for a WebhookRegistry. */
export function sandboxWebhookConnectors<Tx>(deps: SandboxWebhookDeps<Tx>): WebhookConnector[] {
  return [sandboxWebhookConnector('sms', deps), sandboxWebhookConnector('email', deps)];
}
