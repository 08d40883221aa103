/**
 * Intercom's shapes both ways (pure): request bodies from an outbox item and its contact,
 * and what a webhook notification says a tenant wrote (reference §7; contact and search
 * bodies as Intercom-OpenAPI 2.14 documents them).
 */
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { Contact } from '../context.js';
import type { ProviderError } from '../outcomes.js';

/** The two contact data attributes the write-back keeps (created once in Intercom). */
export const BALANCE_ATTRIBUTE = 'arrears_balance_cents';
export const STATUS_ATTRIBUTE = 'arrears_status';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const strOf = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

// ---------------------------------------------------------------------------------------
// Text ↔ HTML

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Our plain text as Intercom HTML: one `<p>` per paragraph, `<br>` for a line break. */
export function htmlOf(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${p.replace(/[&<>"']/g, (c) => ESCAPES[c]!).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** What a tenant wrote, from a conversation part's HTML body. */
export function textOf(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff
          ? String.fromCodePoint(code)
          : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---------------------------------------------------------------------------------------
// Requests

/** `POST /contacts`: the tenant as an Intercom user keyed by our tenant id. */
export function newContactBody(contact: Contact): Json {
  return {
    role: 'user',
    external_id: contact.tenantId,
    name: contact.name,
    ...(contact.email ? { email: contact.email } : {}),
    ...(contact.phone ? { phone: contact.phone } : {}),
  };
}

/** `POST /conversations/search`: the contact's open conversations. */
export function openConversationsQuery(contactId: string): Json {
  return {
    query: {
      operator: 'AND',
      value: [
        { field: 'contact_ids', operator: '=', value: contactId },
        { field: 'open', operator: '=', value: true },
      ],
    },
    pagination: { per_page: 20 },
  };
}

/** `POST /conversations/{id}/reply` as the admin. */
export function adminReplyBody(adminId: string, item: OutboxItem): Json {
  return { message_type: 'comment', type: 'admin', admin_id: adminId, body: bodyOf(item) };
}

/** `POST /messages`: a new in-app message that opens a conversation in the inbox. */
export function inAppMessageBody(adminId: string, contactId: string, item: OutboxItem): Json {
  return {
    message_type: 'in_app',
    body: bodyOf(item),
    from: { type: 'admin', id: Number(adminId) },
    to: { type: 'user', id: contactId },
    create_conversation_without_contact_reply: true,
  };
}

function bodyOf(item: OutboxItem): string {
  return typeof item.payload.body === 'string' ? htmlOf(item.payload.body) : '';
}

/**
 * `PUT /contacts/{id}` of the write-back: the past-due balance and the case status — the
 * policy's `fields.arrears_status` (or `fields.status`) when it names one, else the stage.
 */
export function balanceBody(item: OutboxItem): Json | undefined {
  if (item.pastDueCents === null) return undefined;
  const fields = isObject(item.payload.fields) ? item.payload.fields : {};
  const status = strOf(fields[STATUS_ATTRIBUTE]) ?? strOf(fields.status) ?? item.stage;
  return {
    custom_attributes: { [BALANCE_ATTRIBUTE]: item.pastDueCents, [STATUS_ATTRIBUTE]: status },
  };
}

// ---------------------------------------------------------------------------------------
// Responses

/** `{type: 'error.list', errors: [{code, message}]}` → the first error. */
export function errorOf(json: unknown): ProviderError | undefined {
  if (!isObject(json) || !Array.isArray(json.errors)) return undefined;
  const first: unknown = json.errors[0];
  if (!isObject(first)) return undefined;
  const code = strOf(first.code);
  if (code === undefined) return undefined;
  return { code, message: strOf(first.message) ?? code };
}

export const idOf = (json: unknown): string | undefined =>
  isObject(json) ? strOf(json.id) : undefined;

/** The most recently updated conversation of a search answer. */
export function latestConversationId(json: unknown): string | undefined {
  if (!isObject(json) || !Array.isArray(json.conversations)) return undefined;
  let best: { id: string; at: number } | undefined;
  for (const c of json.conversations as unknown[]) {
    if (!isObject(c)) continue;
    const id = strOf(c.id);
    const at = typeof c.updated_at === 'number' ? c.updated_at : 0;
    if (id !== undefined && (best === undefined || at > best.at)) best = { id, at };
  }
  return best?.id;
}

function partsOf(conversation: Json): Json[] {
  const list = isObject(conversation.conversation_parts)
    ? conversation.conversation_parts.conversation_parts
    : undefined;
  return Array.isArray(list) ? list.filter(isObject) : [];
}

/** The part a reply created (the last of the conversation the reply answers with). */
export function newPartId(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  const parts = partsOf(json);
  return strOf(parts[parts.length - 1]?.id);
}

// ---------------------------------------------------------------------------------------
// Webhook notifications

export const REPLY_TOPICS = ['conversation.user.created', 'conversation.user.replied'] as const;

const CONTACT_AUTHORS = new Set(['user', 'lead', 'contact']);

export interface IntercomInbound {
  topic: (typeof REPLY_TOPICS)[number];
  conversationId: string | undefined;
  /** The conversation part (or source) id: what de-duplicates the reply. */
  partId: string;
  text: string;
  author: { id: string | undefined; email: string | undefined; phone: string | undefined };
  /** Unix seconds. */
  createdAt: number | undefined;
}

export function topicOf(body: unknown): string | undefined {
  return isObject(body) ? strOf(body.topic) : undefined;
}

/** What the tenant wrote, from a `conversation.user.*` notification; undefined otherwise. */
export function inboundOf(body: unknown): IntercomInbound | undefined {
  const topic = topicOf(body);
  if (topic !== REPLY_TOPICS[0] && topic !== REPLY_TOPICS[1]) return undefined;
  const data = isObject(body) && isObject(body.data) ? body.data : undefined;
  const conversation = data && isObject(data.item) ? data.item : undefined;
  if (!conversation) return undefined;
  let part: Json | undefined;
  if (topic === 'conversation.user.replied')
    part = partsOf(conversation)
      .filter((p) => isObject(p.author) && CONTACT_AUTHORS.has(String(p.author.type)))
      .filter((p) => strOf(p.body) !== undefined)
      .pop();
  else part = isObject(conversation.source) ? conversation.source : undefined;
  const partId = part ? strOf(part.id) : undefined;
  if (!part || partId === undefined) return undefined;
  const author = isObject(part.author) ? part.author : {};
  return {
    topic,
    conversationId: strOf(conversation.id),
    partId,
    text: textOf(strOf(part.body) ?? ''),
    author: { id: strOf(author.id), email: strOf(author.email), phone: strOf(author.phone) },
    createdAt: typeof part.created_at === 'number' ? part.created_at : undefined,
  };
}

/** A contact's e-mail or phone (`GET /contacts/{id}`), when the notification had neither. */
export function contactPointOf(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  return strOf(json.email) ?? strOf(json.phone);
}
