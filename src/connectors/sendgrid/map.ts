/**
 * SendGrid's shapes, both ways (pure): an outbox e-mail → the v3 mail send body; an error
 * body → the provider's error; Event Webhook events → delivery receipts or opt-outs; an
 * Inbound Parse post → a reply.
 */
import { createHash } from 'node:crypto';
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { DeliveryReceipt, InboundMessage } from '../../app/receive-reply.js';
import type { Contact } from '../context.js';
import type { ProviderResponse } from '../http.js';
import type { ProviderError } from '../outcomes.js';
import {
  htmlToText,
  messageIdFromHeaders,
  multipartBoundary,
  parseMultipart,
} from '../sandbox/map.js';
import { bodyOf, subjectOf } from '../email-message.js';

export { bodyOf, subjectOf };

/** The custom argument every send carries; events bring it back at their top level. */
export const KEY_ARG = 'arrears_key';

export interface EmailAddress {
  email: string;
  name?: string;
}

/** `Oak Court <office@oakcourt.example>` or a bare address. */
export function addressOf(from: string): EmailAddress {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  if (!m) return { email: from.trim() };
  const name = m[1]!.trim();
  return name ? { email: m[2]!.trim(), name } : { email: m[2]!.trim() };
}

export interface MailSendBody {
  personalizations: {
    to: EmailAddress[];
    headers?: Record<string, string>;
  }[];
  from: EmailAddress;
  subject?: string;
  content: { type: 'text/plain'; value: string }[];
  custom_args: Record<string, string>;
}

/**
 * The mail send body. Without a subject none is sent: SendGrid then refuses it the way it
 * documents (field `subject`) rather than a tenant getting a blank subject line.
 */
export function mailSendBodyOf(
  item: OutboxItem,
  contact: Contact & { email: string },
  from: EmailAddress,
  text: string,
  unsubscribeUrl: string | undefined,
): MailSendBody {
  const subject = subjectOf(item);
  return {
    personalizations: [
      {
        to: [{ email: contact.email, name: contact.name }],
        // RFC 8058 one-click unsubscribe; SendGrid documents `headers` per personalization.
        ...(unsubscribeUrl
          ? {
              headers: {
                'List-Unsubscribe': `<${unsubscribeUrl}>`,
                'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
              },
            }
          : {}),
      },
    ],
    from,
    ...(subject !== undefined ? { subject } : {}),
    content: [{ type: 'text/plain', value: text }],
    custom_args: { [KEY_ARG]: item.key },
  };
}

interface SendgridErrorBody {
  errors?: { message?: unknown; field?: unknown; help?: unknown }[];
}

/** `{errors: [{message, field, help}]}` → code: the first field named, else the status. */
export function errorOf(res: ProviderResponse): ProviderError | undefined {
  const errors = (res.json as SendgridErrorBody | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const field = errors.find((e) => typeof e.field === 'string' && e.field !== '')?.field;
  const message = errors
    .map((e) => (typeof e.message === 'string' ? e.message : ''))
    .filter((m) => m !== '')
    .join('; ');
  return {
    code: typeof field === 'string' ? field : String(res.status),
    message: message || `HTTP ${res.status}`,
  };
}

/** One Event Webhook event, as far as we read it. */
export interface SendgridEvent {
  event?: unknown;
  email?: unknown;
  timestamp?: unknown;
  sg_event_id?: unknown;
  sg_message_id?: unknown;
  reason?: unknown;
  response?: unknown;
  status?: unknown;
  type?: unknown;
  [customArg: string]: unknown;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/** The batch's events, or undefined when the body is not a JSON array. */
export function eventsOf(body: unknown): SendgridEvent[] | undefined {
  if (!Array.isArray(body)) return undefined;
  return body.filter((e): e is SendgridEvent => e !== null && typeof e === 'object');
}

/**
 * The id of one POST: SendGrid batches events and may batch a retry differently, so the
 * request is named by the hash of its sorted `sg_event_id`s (the router dedupes exact
 * repeats); each event is then handled idempotently on its own.
 */
export function batchIdOf(events: SendgridEvent[], raw: Buffer): string {
  const ids = events.map((e) => text(e.sg_event_id)).filter((id): id is string => !!id);
  const hash = createHash('sha256');
  if (ids.length === 0) hash.update(raw);
  else hash.update(ids.sort().join('\n'));
  return `sg-batch:${hash.digest('hex')}`;
}

export type EventAction =
  | { kind: 'delivery'; receipt: Omit<DeliveryReceipt, 'orgId' | 'provider'> }
  | { kind: 'opt_out'; reply: Omit<InboundMessage, 'orgId' | 'provider'> }
  | { kind: 'ignored'; why: string };

function instantOf(ts: unknown, fallback: string): string {
  const n = typeof ts === 'number' ? ts : typeof ts === 'string' ? Number(ts) : NaN;
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : fallback;
}

/**
 * What one event means for us. Delivery statuses name the item by our key (custom_args,
 * signed by SendGrid); only without it the message id is used: `X-Message-Id` is said to be
 * the part of `sg_message_id` before its first dot (unverified), so the key is preferred.
 */
export function actionOf(e: SendgridEvent, receivedAt: string): EventAction {
  const kind = text(e.event);
  const eventId = text(e.sg_event_id);
  if (!kind || !eventId) return { kind: 'ignored', why: 'no event or sg_event_id' };
  const at = instantOf(e.timestamp, receivedAt);
  const nested = e.custom_args as Record<string, unknown> | undefined;
  const key = text(e[KEY_ARG]) ?? text(nested?.[KEY_ARG]);
  const messageId = text(e.sg_message_id)?.split('.')[0];
  const receipt = (status: DeliveryReceipt['status'], detail: string | null) =>
    key || messageId
      ? ({
          kind: 'delivery',
          receipt: {
            eventId,
            status,
            ...(key ? { key } : { providerMessageId: messageId! }),
            at,
            detail: detail ? detail.slice(0, 200) : null,
          },
        } as const)
      : ({ kind: 'ignored', why: 'names no message' } as const);

  switch (kind) {
    case 'delivered':
      return receipt('delivered', null);
    case 'bounce': {
      const reason = [text(e.status), text(e.reason)].filter(Boolean).join(' ') || null;
      // A block is the receiving server refusing us for now (reputation, content), not a
      // dead address: the item fails without marking the address bad.
      return receipt(text(e.type) === 'blocked' ? 'failed' : 'bounced', reason);
    }
    case 'dropped':
      // SendGrid never tried (a suppressed address, an invalid one …): the item failed.
      return receipt('failed', text(e.reason) ?? 'dropped');
    case 'spamreport':
    case 'unsubscribe':
    case 'group_unsubscribe': {
      const email = text(e.email);
      if (!email) return { kind: 'ignored', why: `${kind} without an email` };
      // A complaint or an unsubscribe is the tenant telling us to stop e-mailing. The reply
      // pipeline is the one place opt-outs are recorded (classification, consent event,
      // audit, held follow-ups), so it gets the word a tenant would type. The event id makes
      // the reply's provider message id: a redelivered event is a duplicate reply.
      return {
        kind: 'opt_out',
        reply: {
          channel: 'email',
          from: email,
          to: null,
          text: 'STOP',
          subject: null,
          providerMessageId: `sg-event:${eventId}`,
          receivedAt: at,
        },
      };
    }
    default:
      // processed, deferred (SendGrid keeps trying), open, click, group_resubscribe.
      return { kind: 'ignored', why: kind };
  }
}

/** Inbound Parse fields (attachments left out). */
export type ParseFields = Record<string, string>;

function decode(data: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(data);
  } catch {
    return data.toString('utf8'); // a charset label Node does not know
  }
}

/**
 * The fields of an Inbound Parse post (`multipart/form-data`), each decoded with the
 * charset SendGrid names for it in the `charsets` field (a tenant's mail client may write
 * ISO-8859-1 or Windows-1252). Undefined when the body is not multipart.
 */
export function parseFieldsOf(
  raw: Buffer,
  contentType: string | undefined,
): ParseFields | undefined {
  const boundary = multipartBoundary(contentType);
  if (boundary === undefined) return undefined;
  const parts = parseMultipart(raw, boundary);
  if (!parts) return undefined;
  let charsets: Record<string, unknown> = {};
  const declared = parts.find((p) => p.name === 'charsets' && p.filename === null);
  try {
    if (declared) charsets = JSON.parse(declared.data.toString('utf8')) as Record<string, unknown>;
  } catch {
    charsets = {};
  }
  const fields: ParseFields = Object.create(null) as ParseFields;
  for (const p of parts) {
    if (p.filename !== null || p.name in fields) continue;
    const charset = charsets[p.name];
    fields[p.name] = decode(p.data, typeof charset === 'string' ? charset : undefined);
  }
  return fields;
}

const QUOTE_HEADER = /(wrote|escribió|a écrit|schrieb)\s*:\s*$/i;
const QUOTE_OPENER = /^\s*(On|El|Le|Am)\s/;
const QUOTE_SEPARATOR = /^\s*(-{2,}\s*(Original Message|Mensaje original)|_{10,})/i;

/**
 * The tenant's own words: the quoted message below "On … wrote:" (which repeats our notice,
 * amounts and "Reply STOP" included) would mislead the reply classifier.
 */
export function withoutQuotedReply(body: string): string {
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (QUOTE_SEPARATOR.test(line)) {
      end = i;
      break;
    }
    if (QUOTE_HEADER.test(line)) {
      end = !QUOTE_OPENER.test(line) && i > 0 && QUOTE_OPENER.test(lines[i - 1]!) ? i - 1 : i;
      break;
    }
  }
  const own = lines
    .slice(0, end)
    .filter((l) => !/^\s*>/.test(l))
    .join('\n')
    .trim();
  return own !== '' ? own : body.trim();
}

export type ParsedReply =
  { ok: true; reply: Omit<InboundMessage, 'orgId' | 'provider'> } | { ok: false; problem: string };

/** The Message-ID of an Inbound Parse post (its `headers` block), else a hash of the bytes. */
export function parseMessageIdOf(fields: ParseFields, raw: Buffer): string {
  const id = messageIdFromHeaders(fields.headers);
  if (id && id.length <= 300) return id;
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

export function parseReplyOf(
  fields: ParseFields,
  messageId: string,
  receivedAt: string,
): ParsedReply {
  if (fields.email !== undefined && fields.text === undefined && fields.html === undefined)
    return {
      ok: false,
      problem: 'raw MIME posts are not read; turn off "POST the raw, full MIME message"',
    };
  const from = text(fields.from);
  if (!from) return { ok: false, problem: '`from` is required' };
  const plain = text(fields.text) ?? (fields.html ? htmlToText(fields.html) : '');
  return {
    ok: true,
    reply: {
      channel: 'email',
      from,
      to: text(fields.to) ?? null,
      text: withoutQuotedReply(plain),
      subject: text(fields.subject) ?? null,
      providerMessageId: messageId,
      receivedAt,
    },
  };
}
