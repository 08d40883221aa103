/**
 * `POST /webhooks/monday` (reference §12). Two ways monday calls us:
 *
 *   - webhooks an app created carry `Authorization: <JWT>` signed HS256 with the app's
 *     Signing Secret; we check the signature (constant time), `exp`, and `aud` when present
 *     (our webhook URL);
 *   - board-integration webhooks are unsigned: their URL carries `?token=<WEBHOOK_TOKEN>`,
 *     an unguessable value compared in constant time.
 *
 * Either way the first call is the URL verification `{"challenge":"…"}`, answered 200 with
 * the same JSON (also when monday repeats it). An event's id is its `triggerUuid`. A change
 * of the status column of a case item to Dispute, On hold or Flagged is recorded as that
 * staff decision (map.ts `STAFF_LABELS`); every other event is acknowledged and ignored —
 * including the Open / Closed our own write-back sets.
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
import type { MondayClient } from './client.js';
import { challengeOf, mondayEventOf, staffEventOf } from './map.js';

/** Seconds of clock difference tolerated on `exp`. */
const LEEWAY_SECONDS = 60;

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT as monday signs it (tests and the fake sign callbacks with it). */
export function signMondayJwt(secret: string, claims: Record<string, unknown>): string {
  const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  return `${input}.${hmac('sha256', secret, input).toString('base64url')}`;
}

/** The claims of a JWT signed HS256 with `secret`, or why it is refused. */
export function verifyMondayJwt(
  token: string,
  secret: string,
  o: { nowMs: number; audiences: string[] },
): { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'Authorization is not a JWT' };
  const [h, c, s] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'the JWT does not parse' };
  }
  // Only HS256: "none" or an RS/ES algorithm must never be accepted with an HMAC key.
  if (header.alg !== 'HS256') return { ok: false, reason: 'the JWT is not HS256' };
  if (!safeEqual(s, hmac('sha256', secret, `${h}.${c}`).toString('base64url')))
    return { ok: false, reason: 'JWT signature mismatch' };
  if (claims.exp !== undefined) {
    const exp = Number(claims.exp);
    if (!Number.isFinite(exp) || exp + LEEWAY_SECONDS < o.nowMs / 1000)
      return { ok: false, reason: 'the JWT has expired' };
  }
  if (claims.aud !== undefined && !o.audiences.includes(String(claims.aud)))
    return { ok: false, reason: 'the JWT is for another URL (aud)' };
  return { ok: true, claims };
}

const sha256 = (v: string | Buffer) => createHash('sha256').update(v).digest('hex');

function eventIdOf(req: InboundWebhookRequest): string {
  const challenge = challengeOf(req.body);
  if (challenge !== null) return `challenge:${sha256(challenge).slice(0, 32)}`;
  const ev = mondayEventOf(req.body);
  return ev?.triggerUuid ?? `sha256:${sha256(req.rawBody)}`;
}

export interface MondayWebhookOptions {
  signingSecret?: string;
  webhookToken?: string;
  statusColumn: string;
  leaseColumn: string;
}

export function mondayWebhook(
  ctx: ConnectorContext,
  client: MondayClient,
  o: MondayWebhookOptions,
): WebhookConnector {
  const secret = o.signingSecret?.trim() ? o.signingSecret : undefined;
  const urlToken = o.webhookToken?.trim() ? o.webhookToken : undefined;
  const echo = (req: InboundWebhookRequest): WebhookResponse | undefined => {
    const challenge = challengeOf(req.body);
    return challenge === null ? undefined : { status: 200, body: { challenge } };
  };

  return {
    id: 'monday',
    secretConfigured: secret !== undefined || urlToken !== undefined,
    verify(req): WebhookVerification {
      const auth = headerOf(req.headers, 'authorization')?.trim();
      if (auth) {
        if (secret === undefined)
          return { ok: false, reason: 'a signed webhook but no SIGNING_SECRET configured' };
        const url = new URL(req.url);
        const bare = `${url.origin}${url.pathname}`;
        const check = verifyMondayJwt(auth.replace(/^Bearer\s+/i, ''), secret, {
          nowMs: ctx.clock.now(),
          audiences: [bare, req.url],
        });
        if (!check.ok) return check;
        return { ok: true, eventId: eventIdOf(req) };
      }
      if (urlToken === undefined) return { ok: false, reason: 'no Authorization JWT' };
      const given = new URL(req.url).searchParams.get('token');
      if (given === null) return { ok: false, reason: 'no Authorization JWT and no URL token' };
      if (!safeEqual(given, urlToken)) return { ok: false, reason: 'URL token mismatch' };
      return { ok: true, eventId: eventIdOf(req) };
    },
    async handle(event): Promise<WebhookResponse> {
      const challenge = echo(event);
      if (challenge) return challenge;
      const ack = { received: true, duplicate: false, eventId: event.eventId };
      const ev = mondayEventOf(event.body);
      if (ev === null || ev.columnId !== o.statusColumn || ev.label === null)
        return { body: { ...ack, ignored: true } };
      const columns = await client.itemColumns(ev.pulseId, [o.leaseColumn]);
      const leaseId = columns?.[o.leaseColumn]?.trim();
      const recorded = leaseId ? staffEventOf(ev, leaseId, event.eventId, event.receivedAt) : null;
      if (!recorded) return { body: { ...ack, ignored: true } };
      await ctx.inbound.events([recorded]);
      ctx.log.info(
        { connector: 'monday', eventId: event.eventId, type: recorded.type },
        'staff decision recorded from monday.com',
      );
      return { body: { ...ack, recorded: recorded.type } };
    },
    duplicateResponse: echo,
  };
}
