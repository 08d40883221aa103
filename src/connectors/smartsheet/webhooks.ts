/**
 * `POST /webhooks/smartsheet` (reference §13).
 *
 * Signature: `Smartsheet-Hmac-SHA256` = HMAC-SHA256(key = the webhook's `sharedSecret`,
 * message = the raw body). The reference marks the encoding uncertain — implementations
 * (and Smartsheet's samples) compare hex, one catalogue says base64 — so both encodings of
 * the one digest are accepted, each compared in constant time. Accepting either does not
 * weaken the check: both are the same 256-bit MAC, only written differently.
 *
 * Verification: when a webhook is enabled (and every 100 callbacks after) Smartsheet posts
 * `Smartsheet-Hook-Challenge: <v>` with `{challenge, webhookId}`; we answer 200 echoing `<v>`
 * in the `Smartsheet-Hook-Response` header and as `{"smartsheetHookResponse": v}`, the two
 * ways the reference allows. A challenge carrying an HMAC must verify; one without is
 * answered too, because the reference does not say Smartsheet signs challenges and refusing
 * them would disable the webhook — answering only repeats the caller's own value back and
 * touches nothing else.
 *
 * Event callbacks are "skinny" (ids only): a changed Status cell of a case row is read back
 * (`GET /sheets/{id}?rowIds=…`) and a staff status (Dispute, On hold, Flagged) recorded.
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
import type { SmartsheetClient } from './client.js';
import { callbackOf, challengeOf, columnMapOf, staffEventOf } from './map.js';

export const HMAC_HEADER = 'Smartsheet-Hmac-SHA256';
export const CHALLENGE_HEADER = 'Smartsheet-Hook-Challenge';
export const RESPONSE_HEADER = 'Smartsheet-Hook-Response';

/** The header value Smartsheet sends for `raw` (hex; fakes and tests sign with it). */
export function signSmartsheet(sharedSecret: string, raw: string | Buffer): string {
  return hmac('sha256', sharedSecret, raw).toString('hex');
}

/** Hex (either case) or base64 of HMAC-SHA256(sharedSecret, raw), constant time. */
export function smartsheetSignatureValid(
  sharedSecret: string,
  raw: Buffer,
  given: string,
): boolean {
  const mac = hmac('sha256', sharedSecret, raw);
  const value = given.trim();
  const hex = safeEqual(value.toLowerCase(), mac.toString('hex'));
  const b64 = safeEqual(value, mac.toString('base64'));
  return hex || b64;
}

const sha256 = (v: string | Buffer) => createHash('sha256').update(v).digest('hex');

/** Where the shared secret lives: the setting, or one `subscribe` just received. */
export interface SecretHolder {
  get(): string | undefined;
}

export function smartsheetWebhook(
  ctx: ConnectorContext,
  client: SmartsheetClient,
  secret: SecretHolder,
): WebhookConnector {
  const key = () => {
    const s = secret.get();
    return s?.trim() ? s : undefined;
  };
  const challengeIn = (req: InboundWebhookRequest) =>
    challengeOf(headerOf(req.headers, CHALLENGE_HEADER), req.body);
  const echo = (req: InboundWebhookRequest): WebhookResponse | undefined => {
    const c = challengeIn(req);
    return c === null
      ? undefined
      : {
          status: 200,
          headers: { [RESPONSE_HEADER]: c.challenge },
          body: { smartsheetHookResponse: c.challenge },
        };
  };

  async function recordStaffStatuses(event: Parameters<WebhookConnector['handle']>[0]) {
    const cb = callbackOf(event.body);
    if (!cb || cb.events.length === 0) return [];
    const changed = cb.events.filter(
      (c) => c.objectType === 'cell' && c.eventType === 'updated' && c.rowId && c.columnId,
    );
    if (changed.length === 0) return [];
    const rowIds = [...new Set(changed.map((c) => c.rowId!))];
    const sheet = await client.sheet({ rowIds });
    const map = columnMapOf(sheet.columns);
    if (!map.ok) return [];
    const recorded: Record<string, unknown>[] = [];
    for (const change of changed) {
      if (change.columnId !== String(map.columns.status)) continue;
      const row = sheet.rows.find((r) => String(r.id) === change.rowId);
      if (!row || (row.parentId !== undefined && row.parentId !== null)) continue;
      const cell = (id: number) => row.cells.find((c) => c.columnId === id)?.value;
      const lease = String(cell(map.columns.lease) ?? '').trim();
      const status = String(cell(map.columns.status) ?? '');
      const id = `smartsheet-${cb.webhookId ?? 'hook'}-${change.rowId}-${change.timestamp ?? event.eventId}`;
      const e = lease ? staffEventOf(status, lease, change, id, event.receivedAt) : null;
      if (e) recorded.push(e);
    }
    if (recorded.length > 0) await ctx.inbound.events(recorded);
    return recorded;
  }

  return {
    id: 'smartsheet',
    get secretConfigured() {
      return key() !== undefined;
    },
    verify(req): WebhookVerification {
      const k = key();
      if (k === undefined) return { ok: false, reason: 'no webhook shared secret configured' };
      const given = headerOf(req.headers, HMAC_HEADER);
      const challenge = challengeIn(req);
      if (given === undefined || given.trim() === '') {
        if (challenge === null) return { ok: false, reason: `no ${HMAC_HEADER} header` };
      } else if (!smartsheetSignatureValid(k, req.rawBody, given))
        return { ok: false, reason: 'signature mismatch' };
      if (challenge !== null)
        return {
          ok: true,
          eventId: `challenge:${challenge.webhookId ?? ''}:${sha256(challenge.challenge).slice(0, 32)}`,
          handshake: true,
        };
      const cb = callbackOf(req.body);
      return {
        ok: true,
        eventId:
          cb?.nonce && cb.webhookId
            ? `${cb.webhookId}:${cb.nonce}`
            : `sha256:${sha256(req.rawBody)}`,
      };
    },
    async handle(event): Promise<WebhookResponse> {
      const challenge = echo(event);
      if (challenge) return challenge;
      const ack = { received: true, duplicate: false, eventId: event.eventId };
      const cb = callbackOf(event.body);
      if (cb?.newStatus) {
        ctx.log.warn(
          { connector: 'smartsheet', webhookId: cb.webhookId, status: cb.newStatus },
          'Smartsheet changed the webhook status',
        );
        return { body: { ...ack, webhookStatus: cb.newStatus } };
      }
      const recorded = await recordStaffStatuses(event);
      return { body: { ...ack, recorded: recorded.map((r) => r.type) } };
    },
    duplicateResponse: echo,
  };
}
