/**
 * The sandbox's inbound payloads, read into what the use cases take (pure: no I/O).
 *
 * A body is JSON, form-encoded, or `multipart/form-data` (an "inbound parse" e-mail, as
 * SendGrid and Mailgun post them: `from`, `to`, `subject`, `text`, `html`, `headers`,
 * `envelope`, attachments as file parts). Two kinds of events, told apart by `type`:
 *
 *   message.received  {id?, messageId?, from, to?, text | body | html, subject?, channel?, receivedAt?}
 *   message.status    {id?, messageId? | key?, status, at?, reason? | error?}
 *
 * `status` is one of delivered, undelivered, bounced, failed, returned. Without `type`, a
 * body with a `status` is a status event. Without `messageId`, an e-mail's `Message-ID`
 * header (in `headers`) names the message, else the webhook's event id.
 */
import type { InboundChannel } from '../../app/receive-reply.js';
import { INBOUND_CHANNELS, RECEIPT_STATUSES, type ReceiptStatus } from '../../app/receive-reply.js';

export type Fields = Record<string, string>;

export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

/** The `boundary` parameter of a multipart content type, or undefined. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  return b && b.length <= 200 ? b : undefined;
}

/** Parses a `multipart/form-data` body (RFC 7578); undefined when it is malformed. */
export function parseMultipart(raw: Buffer, boundary: string): MultipartPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  let pos = raw.indexOf(delimiter);
  if (pos < 0) return undefined;
  pos += delimiter.length;
  const parts: MultipartPart[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    if (raw[pos] === 0x2d && raw[pos + 1] === 0x2d) return parts; // "--": the closing delimiter
    // Transport padding, then CRLF.
    while (raw[pos] === 0x20 || raw[pos] === 0x09) pos++;
    if (raw[pos] !== 0x0d || raw[pos + 1] !== 0x0a) return undefined;
    pos += 2;
    const end = raw.indexOf(next, pos);
    if (end < 0) return undefined;
    const part = raw.subarray(pos, end);
    const split = part.indexOf('\r\n\r\n');
    const head = split < 0 ? part.toString('latin1') : part.subarray(0, split).toString('utf8');
    const data = split < 0 ? Buffer.alloc(0) : part.subarray(split + 4);
    const headers = new Map<string, string>();
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0)
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = headers.get('content-disposition') ?? '';
    const name = dispositionParam(disposition, 'name');
    if (name !== undefined)
      parts.push({
        name,
        filename: dispositionParam(disposition, 'filename') ?? null,
        contentType: headers.get('content-type') ?? null,
        data,
      });
    pos = end + next.length;
  }
  return undefined;
}

function dispositionParam(disposition: string, param: string): string | undefined {
  const m = new RegExp(`;\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(
    disposition,
  );
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/**
 * The fields of a body as the webhook router parsed it (JSON object or form fields), or of
 * a multipart body read from its bytes. File parts (attachments) are left out; a repeated
 * field keeps its first value. Undefined when the body is none of these.
 */
export function fieldsOf(
  body: unknown,
  raw: Buffer,
  contentType: string | undefined,
): Fields | undefined {
  const out: Fields = Object.create(null) as Fields;
  const boundary = multipartBoundary(contentType);
  if (boundary !== undefined) {
    const parts = parseMultipart(raw, boundary);
    if (!parts) return undefined;
    for (const p of parts)
      if (p.filename === null && !(p.name in out)) out[p.name] = p.data.toString('utf8');
    return out;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (typeof value === 'string') out[k] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[k] = String(value);
  }
  return out;
}

/** The first of `names` that is a non-empty field. */
function pick(f: Fields, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = f[n];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return undefined;
}

/** `Message-ID` from a raw header block (an inbound-parse `headers` field). */
export function messageIdFromHeaders(headers: string | undefined): string | undefined {
  if (!headers) return undefined;
  const m = /^message-id:\s*(.+)$/im.exec(headers);
  return m?.[1]?.trim() || undefined;
}

/** Plain text of an HTML body, for an e-mail that has no text part. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d)>/gi, '\n')
    .replace(/<blockquote[\s\S]*$/i, '') // the quoted message
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;/gi, "'")
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n')
    .trim();
}

export interface ReceivedFields {
  kind: 'received';
  channel: InboundChannel;
  from: string | undefined;
  to: string | null;
  text: string;
  subject: string | null;
  messageId: string | undefined;
  receivedAt: string | undefined;
}

export interface StatusFields {
  kind: 'status';
  status: string;
  messageId: string | undefined;
  key: string | undefined;
  at: string | undefined;
  detail: string | null;
}

/** What a sandbox payload says, before any checking beyond its shape. */
export function readPayload(
  f: Fields,
  defaultChannel: InboundChannel,
): ReceivedFields | StatusFields {
  const type = pick(f, 'type', 'event');
  const status = pick(f, 'status', 'MessageStatus');
  const messageId = pick(f, 'messageId', 'MessageSid', 'message_id');
  if (type === 'message.status' || (type === undefined && status !== undefined))
    return {
      kind: 'status',
      status: (status ?? '').trim().toLowerCase(),
      messageId,
      key: pick(f, 'key'),
      at: pick(f, 'at', 'timestamp'),
      detail: pick(f, 'reason', 'error', 'ErrorCode') ?? null,
    };
  let envelopeFrom: string | undefined;
  const envelope = pick(f, 'envelope');
  if (envelope) {
    try {
      const e = JSON.parse(envelope) as { from?: unknown };
      if (typeof e.from === 'string') envelopeFrom = e.from;
    } catch {
      envelopeFrom = undefined;
    }
  }
  const asked = pick(f, 'channel');
  const channel =
    asked !== undefined && (INBOUND_CHANNELS as readonly string[]).includes(asked)
      ? (asked as InboundChannel)
      : defaultChannel;
  const html = pick(f, 'html');
  return {
    kind: 'received',
    channel,
    from: pick(f, 'from', 'From') ?? envelopeFrom,
    to: pick(f, 'to', 'To') ?? null,
    text: pick(f, 'text', 'body', 'Body') ?? (html ? htmlToText(html) : ''),
    subject: pick(f, 'subject', 'Subject') ?? null,
    messageId: messageId ?? messageIdFromHeaders(pick(f, 'headers')),
    receivedAt: pick(f, 'receivedAt', 'timestamp'),
  };
}

export function isReceiptStatus(s: string): s is ReceiptStatus {
  return (RECEIPT_STATUSES as readonly string[]).includes(s);
}
