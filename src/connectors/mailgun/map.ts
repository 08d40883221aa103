/**
 * Mailgun's shapes, both ways (pure): an outbox e-mail → the Messages API form fields; an
 * answer → the message id or the provider's error; webhook `event-data` → a delivery
 * receipt or an opt-out; a Route's forwarded message → a reply.
 */
import { createHash } from 'node:crypto';
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { DeliveryReceipt, InboundMessage } from '../../app/receive-reply.js';
import type { Contact } from '../context.js';
import type { ProviderResponse } from '../http.js';
import type { ProviderError } from '../outcomes.js';
import { htmlToText, type Fields } from '../sandbox/map.js';
import { bodyOf, subjectOf } from '../email-message.js';

export { bodyOf, subjectOf };

/** The custom variable every send carries (`v:arrears_key`); events bring it back. */
export const KEY_VARIABLE = 'arrears_key';

/** `Ana Ruiz <ana@example.com>`, the name quoted when it holds RFC 5322 specials. */
export function mailboxOf(name: string, email: string): string {
  const n = name.trim();
  if (n === '') return email;
  return /[()<>[\]:;@\\,."]/.test(n)
    ? `"${n.replace(/(["\\])/g, '\\$1')}" <${email}>`
    : `${n} <${email}>`;
}

/**
 * The Messages API fields. Without a subject none is sent, so Mailgun refuses it the way
 * it does rather than a tenant getting a blank subject line.
 */
export function messageFieldsOf(
  item: OutboxItem,
  contact: Contact & { email: string },
  from: string,
  text: string,
  unsubscribeUrl: string | undefined,
): Record<string, string> {
  const subject = subjectOf(item);
  return {
    from,
    to: mailboxOf(contact.name, contact.email),
    ...(subject !== undefined ? { subject } : {}),
    text,
    // RFC 8058 one-click unsubscribe, as custom `h:` headers.
    ...(unsubscribeUrl
      ? {
          'h:List-Unsubscribe': `<${unsubscribeUrl}>`,
          'h:List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        }
      : {}),
    [`v:${KEY_VARIABLE}`]: item.key,
  };
}

/** Events name a message by its id without the angle brackets the send answer has. */
export function messageIdOf(res: ProviderResponse): string | undefined {
  const id = (res.json as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id.trim().replace(/^<|>$/g, '') || undefined : undefined;
}

/** `{message: "…"}`, or a bare text body (a 401 answers `Forbidden`). */
export function errorOf(res: ProviderResponse): ProviderError | undefined {
  const message = (res.json as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string' && message !== '') return { code: String(res.status), message };
  const text = res.text.trim();
  return text && text.length <= 200 && !text.startsWith('<')
    ? { code: String(res.status), message: text }
    : undefined;
}

/** The signature parts of a webhook body or a Route's fields. */
export interface SignatureParts {
  timestamp: string;
  token: string;
  signature: string;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== ''
    ? v.trim()
    : typeof v === 'number'
      ? String(v)
      : undefined;

export function signaturePartsOf(source: unknown): SignatureParts | undefined {
  const s = (source ?? {}) as Record<string, unknown>;
  const timestamp = str(s.timestamp);
  const token = str(s.token);
  const signature = str(s.signature);
  return timestamp && token && signature ? { timestamp, token, signature } : undefined;
}

export type EventAction =
  | { kind: 'delivery'; receipt: Omit<DeliveryReceipt, 'orgId' | 'provider'> }
  | { kind: 'opt_out'; reply: Omit<InboundMessage, 'orgId' | 'provider'> }
  | { kind: 'ignored'; why: string };

function instantOf(ts: unknown, fallback: string): string {
  const n = typeof ts === 'number' ? ts : typeof ts === 'string' ? Number(ts) : NaN;
  return Number.isFinite(n) && n > 0 ? new Date(Math.round(n * 1000)).toISOString() : fallback;
}

// Mailgun dropped the send because the address is suppressed after an unsubscribe or a
// complaint: the address is fine, the tenant opted out, so the item fails without bouncing.
const SUPPRESSED_BY_CHOICE = new Set(['suppress-unsubscribe', 'suppress-complaint']);

/** What one webhook's `event-data` means for us (`token` names the post). */
export function actionOf(data: unknown, token: string, receivedAt: string): EventAction {
  const d = (data ?? {}) as Record<string, unknown>;
  const event = str(d.event);
  if (!event) return { kind: 'ignored', why: 'no event' };
  const eventId = str(d.id) ?? token;
  const at = instantOf(d.timestamp, receivedAt);
  const variables = (d['user-variables'] ?? {}) as Record<string, unknown>;
  const key = str(variables[KEY_VARIABLE]);
  const headers = ((d.message as Record<string, unknown> | undefined)?.headers ?? {}) as Record<
    string,
    unknown
  >;
  const messageId = str(headers['message-id'])?.replace(/^<|>$/g, '');
  const receipt = (status: DeliveryReceipt['status'], detail: string | null): EventAction =>
    key || messageId
      ? {
          kind: 'delivery',
          receipt: {
            eventId,
            status,
            ...(key ? { key } : {}),
            ...(messageId ? { providerMessageId: messageId } : {}),
            at,
            detail: detail ? detail.slice(0, 200) : null,
          },
        }
      : { kind: 'ignored', why: 'names no message' };

  switch (event) {
    case 'delivered':
      return receipt('delivered', null);
    case 'failed': {
      // Mailgun retries a temporary failure itself; only its final word counts.
      if (str(d.severity) !== 'permanent') return { kind: 'ignored', why: 'temporary failure' };
      const reason = str(d.reason);
      const status = (d['delivery-status'] ?? {}) as Record<string, unknown>;
      const detail =
        [str(status.code), str(status.description) ?? str(status.message), reason]
          .filter(Boolean)
          .join(' ') || null;
      return receipt(reason && SUPPRESSED_BY_CHOICE.has(reason) ? 'failed' : 'bounced', detail);
    }
    case 'complained':
    case 'unsubscribed': {
      const recipient = str(d.recipient);
      if (!recipient) return { kind: 'ignored', why: `${event} without a recipient` };
      // A complaint or an unsubscribe is the tenant telling us to stop e-mailing. The reply
      // pipeline is the one place opt-outs are recorded (classification, consent event,
      // audit, held follow-ups), so it gets the word a tenant would type; Mailgun's event
      // id makes the reply's id, so a redelivered event is a duplicate reply.
      return {
        kind: 'opt_out',
        reply: {
          channel: 'email',
          from: recipient,
          to: null,
          text: 'STOP',
          subject: null,
          providerMessageId: `mg-event:${eventId}`,
          receivedAt: at,
        },
      };
    }
    default:
      // accepted, rejected (our own refusal, seen in the send answer), opened, clicked, stored.
      return { kind: 'ignored', why: event };
  }
}

function field(fields: Fields, name: string): string | undefined {
  const exact = str(fields[name]);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const key = Object.keys(fields).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : str(fields[key]);
}

/** The forwarded message's Message-Id (a posted MIME header or `message-headers`). */
export function routeMessageIdOf(fields: Fields, raw: Buffer): string {
  let id = field(fields, 'Message-Id');
  if (!id) {
    try {
      const pairs = JSON.parse(fields['message-headers'] ?? '[]') as unknown;
      if (Array.isArray(pairs))
        for (const p of pairs)
          if (Array.isArray(p) && String(p[0]).toLowerCase() === 'message-id') id = str(p[1]);
    } catch {
      id = undefined;
    }
  }
  return id && id.length <= 300 ? id : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

export type RouteReply =
  { ok: true; reply: Omit<InboundMessage, 'orgId' | 'provider'> } | { ok: false; problem: string };

/** A Route's `forward()` post: Mailgun strips quotes and signature into `stripped-text`. */
export function routeReplyOf(fields: Fields, raw: Buffer, receivedAt: string): RouteReply {
  const from = field(fields, 'from') ?? field(fields, 'sender');
  if (!from) return { ok: false, problem: '`from` or `sender` is required' };
  const html = field(fields, 'stripped-html') ?? field(fields, 'body-html');
  return {
    ok: true,
    reply: {
      channel: 'email',
      from,
      to: field(fields, 'recipient') ?? null,
      text:
        field(fields, 'stripped-text') ??
        field(fields, 'body-plain') ??
        (html ? htmlToText(html) : ''),
      subject: field(fields, 'subject') ?? null,
      providerMessageId: routeMessageIdOf(fields, raw),
      receivedAt: instantOf(fields.timestamp, receivedAt),
    },
  };
}
