/**
 * Inbound messages and delivery receipts (SPEC R10, R12, 3.1 `reply` / `delivery` events;
 * ARCHITECTURE "one day in the life of a case", step 6). Each message is handled in one
 * transaction, audited:
 *
 * 1. **De-duplicated** on the provider's message id: a replayed or re-delivered message
 *    changes nothing (the `replies` row is unique per provider and message id).
 * 2. **Identified**: the sender's phone (E.164, libphonenumber-js) or e-mail finds the
 *    tenants with that contact point and their leases. None: the reply is stored
 *    `unmatched` for the exception list, and nothing else happens — in particular no event
 *    is stored, because a `reply` event that reaches no lease would reach every lease of
 *    the organisation, and the evaluator applies an opt-out with an unknown sender to
 *    every primary contact of the lease (domain/evaluator/contacts.ts `subjects`).
 * 3. **Stored and threaded**: the reply is kept with the lease's open case (episode); a
 *    `reply` event is stored for every lease the sender rents, naming the tenant (or, when
 *    several tenants of a lease share the number, the number itself, which the evaluator
 *    matches against each contact). The evaluator reads these events exactly as it reads
 *    them in `simulate`: an opt-out or opt-in applies to that contact and channel at once
 *    (the next scan skips with `opted_out`, and so does the dispatch re-check); `dispute`
 *    places a dispute hold and `paid_claim`, `legal`, `hostile`, `hardship` a review hold,
 *    in every mode (R12). The case timeline shows the reply (`reply_classified`).
 * 4. **Answered where the channel requires it**: an SMS opt-out gets one confirmation, an
 *    SMS opt-in one too, and a HELP keyword (SMS or e-mail) an answer with the office's
 *    contact. These are outbox items of stage `$reply` that need no approval and that the
 *    dispatch re-check lets through (an opt-out confirmation must reach an opted-out
 *    number); one per inbound message, keyed by it.
 * 5. **Suggested**: the other intents become a suggestion staff confirm or dismiss
 *    (app/confirm-suggestion.ts): a promise hold with the amount and date the classifier
 *    extracted, a dispute, a hardship hold, a task for a paid claim, a plan request, a legal
 *    or hostile reply, a wrong number or a request for a call back.
 *
 * Delivery receipts (`receiveDeliveryStatus`) move the outbox item `sent → delivered` or
 * `sent → failed` (domain/outbox/states.ts, as the provider) and store a `delivery` event,
 * so a bounce or an undelivered message marks the contact point bad (R10 `bad_contact`).
 */
import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { AuditInput } from '../domain/audit/chain.js';
import { InputError, type InputIssue } from '../domain/errors.js';
// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
import { canTransition, isOutboxStatus, type OutboxStatus } from '../domain/outbox/index.js';
import {
  CHANNELS,
  DELIVERY_METHODS,
  portfolioEvent,
  type PortfolioEvent,
} from '../domain/portfolio/schema.js';
import {
  classifyReply,
  type ReplyClassification,
  type ReplyIntent,
} from '../domain/replies/classify.js';
import { EN } from '../domain/replies/lexicon.en.js';
import { ES } from '../domain/replies/lexicon.es.js';
import { normalizeReply, wholePattern } from '../domain/replies/normalize.js';
import { epochToLocal } from '../domain/time.js';
import { zodIssuesToInputIssues } from '../domain/validation.js';
import type { Clock } from './ports/clock.js';
import type {
  JsonObject,
  LockedTransition,
  NewOutboxItem,
  OutboxItem,
  OutboxStore,
} from './ports/outbox.js';

// ---------------------------------------------------------------------------------------
// What comes in

export const INBOUND_CHANNELS = ['sms', 'email', 'chat', 'voice'] as const;
export type InboundChannel = (typeof INBOUND_CHANNELS)[number];

/** One message a tenant (or anyone) sent us, as a connector hands it over. */
export interface InboundMessage {
  orgId: string;
  channel: InboundChannel;
  /** Phone number (any format libphonenumber-js reads) or e-mail (`Ana <ana@x.com>` too). */
  from: string;
  /** Our number or address it was sent to. */
  to?: string | null;
  text: string;
  /** E-mail subject (read only when the body says nothing). */
  subject?: string | null;
  /** The connector that received it (`sandbox-sms`, `twilio` …). */
  provider: string;
  /** The provider's id of the message: what de-duplicates it. */
  providerMessageId: string;
  /** ISO instant the provider received it. */
  receivedAt: string;
}

export type ContactPoint = { kind: 'phone'; value: string } | { kind: 'email'; value: string };

/** One (tenant, lease) pair that a sender's contact point leads to. */
export interface SenderMatch {
  tenantId: string;
  tenantRole: string;
  /** As stored (E.164): what the evaluator compares a reply's `from` with. */
  tenantPhone: string | null;
  tenantEmail: string | null;
  language: string;
  leaseId: string;
  propertyId: string;
  timezone: string;
  office: OfficeContact;
  /** The open case of the lease (episode not closed), if any. */
  openEpisode: number | null;
  /** The lease's latest episode, open or closed, if any. */
  lastEpisode: number | null;
}

export interface OfficeContact {
  name: string;
  phone: string | null;
  email: string | null;
}

export type ReplyStatus = 'matched' | 'unmatched';

export interface NewReply {
  id: string;
  /** The lease it is threaded to (an open case first). */
  leaseId: string | null;
  tenantId: string | null;
  episode: number | null;
  channel: InboundChannel;
  /** The sender, normalised (E.164 or lower-case e-mail) when it could be. */
  from: string;
  to: string | null;
  body: string;
  receivedAt: string;
  intent: ReplyIntent;
  classification: JsonObject;
  provider: string;
  providerMessageId: string;
  status: ReplyStatus;
  leaseIds: string[];
  createdAt: string;
}

export type StoredReply = NewReply;

export interface ReplyQuery {
  leaseId?: string;
  status?: ReplyStatus;
  /**
   * Only replies threaded to a lease of these properties (null / absent: every reply,
   * unmatched ones included). A reply belongs to the property of its threaded lease, as its
   * suggestion and its audit entry do.
   */
  propertyIds?: readonly string[] | null;
  /** Keyset position `[receivedAt, id]` of the last reply of the previous page. */
  after?: [string, string];
  limit: number;
}

/** Who wrote an event and when (the `events` row's `source` and the audit entry). */
export interface EventWrite {
  source: string;
  actor: string;
  at: string;
}

/** The lease facts a confirmation or a delivery receipt needs. */
export interface LeaseFacts {
  leaseId: string;
  propertyId: string;
  timezone: string;
  openEpisode: number | null;
  lastEpisode: number | null;
}

/**
 * Storage for inbound messages (storage/repos/replies-repo.ts). `Tx` is the storage's
 * transaction, shared with the OutboxStore and SuggestionStore given alongside.
 */
export interface InboundStore<Tx> {
  /** Runs `fn` in one transaction, holding the organisation's write lock. */
  transaction<T>(orgId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Every (tenant, lease) whose tenant has this phone or e-mail (case-insensitive). */
  matchSender(tx: Tx, orgId: string, point: ContactPoint): Promise<SenderMatch[]>;
  replyByProviderId(
    tx: Tx,
    orgId: string,
    provider: string,
    providerMessageId: string,
  ): Promise<StoredReply | undefined>;
  /** Inserts the reply; false (nothing written) when its id or provider message id is stored. */
  insertReply(tx: Tx, orgId: string, reply: NewReply): Promise<boolean>;
  /**
   * Appends SPEC 3.1 events, de-duplicated by content as `arrears event` does, and marks the
   * leases they reach changed (the next scan evaluates them). Returns how many were new.
   */
  addEvents(tx: Tx, orgId: string, events: PortfolioEvent[], write: EventWrite): Promise<number>;
  /**
   * `addEvents` for events each written by its own `write`, in one go: whether each was
   * stored now (false when stored before, or when an earlier event of the list was the same).
   */
  addEventsEach(
    tx: Tx,
    orgId: string,
    events: readonly { event: PortfolioEvent; write: EventWrite }[],
  ): Promise<boolean[]>;
  /**
   * The keys of the outbox items a provider accepted under each of these message ids, the
   * one updated last first (then by key): the first is the item a receipt is about. An id no
   * item has is left out.
   */
  outboxKeysByProviderIds(
    tx: Tx,
    orgId: string,
    providerIds: readonly string[],
  ): Promise<Map<string, string[]>>;
  leaseFacts(tx: Tx, orgId: string, leaseId: string): Promise<LeaseFacts | undefined>;
  /** `leaseFacts` of many leases in one read, by lease id (an unknown lease is left out). */
  leaseFactsMany(
    tx: Tx,
    orgId: string,
    leaseIds: readonly string[],
  ): Promise<Map<string, LeaseFacts>>;
  audit(tx: Tx, orgId: string, entries: AuditInput[]): Promise<void>;
  /** Stored replies in `[receivedAt, id]` order (no transaction: a read). */
  listReplies(orgId: string, query: ReplyQuery): Promise<StoredReply[]>;
}

// ---------------------------------------------------------------------------------------
// Suggestions (created here, decided in confirm-suggestion.ts)

export const SUGGESTION_KINDS = [
  'promise',
  'payment_plan',
  'dispute',
  'hardship',
  'paid_claim',
  'legal',
  'hostile',
  'wrong_number',
  'callback',
] as const;
export type SuggestionKind = (typeof SUGGESTION_KINDS)[number];
export type SuggestionStatus = 'open' | 'confirmed' | 'dismissed';

/** What a reply suggests: amounts and dates only (never the tenant's text). */
export interface SuggestionProposal {
  amountCents?: number;
  /** For a promise: the promised date, the last day of the hold. */
  until?: string;
}

export interface NewSuggestion {
  id: string;
  replyId: string;
  leaseId: string;
  tenantId: string | null;
  episode: number | null;
  kind: SuggestionKind;
  intent: ReplyIntent;
  channel: InboundChannel;
  replyDate: string;
  proposal: SuggestionProposal;
  createdAt: string;
}

export interface Suggestion extends NewSuggestion {
  status: SuggestionStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  decision: JsonObject | null;
}

/** A suggestion with the reply it came from, for the operator's list. */
export interface SuggestionView extends Suggestion {
  text: string;
  receivedAt: string;
}

export interface SuggestionQuery {
  status?: SuggestionStatus;
  leaseId?: string;
  /** Only suggestions of leases of these properties (null / absent: every one). */
  propertyIds?: readonly string[] | null;
  /** Keyset position `[createdAt, id]` of the last suggestion of the previous page. */
  after?: [string, string];
  limit: number;
}

export interface SuggestionStore<Tx> {
  insert(tx: Tx, orgId: string, suggestions: NewSuggestion[]): Promise<void>;
  /** Reads one and locks it for the rest of `tx`. */
  lock(tx: Tx, orgId: string, id: string): Promise<Suggestion | undefined>;
  /** Records the decision of an `open` suggestion; false when it was decided meanwhile. */
  decide(
    tx: Tx,
    orgId: string,
    id: string,
    decision: { status: 'confirmed' | 'dismissed'; by: string; at: string; decision: JsonObject },
  ): Promise<boolean>;
  list(orgId: string, query: SuggestionQuery): Promise<SuggestionView[]>;
}

export interface InboundDeps<Tx> {
  inbound: InboundStore<Tx>;
  suggestions: SuggestionStore<Tx>;
  outbox: OutboxStore<Tx>;
  clock: Clock;
  /** After a bounce or undelivered receipt failed a sent item: its fallback (R10). */
  onFailed?: (item: OutboxItem) => Promise<void>;
}

// ---------------------------------------------------------------------------------------
// Pure helpers (exported for tests and connectors)

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The reply's id: the same provider message always gets the same id. */
export function replyIdOf(provider: string, providerMessageId: string): string {
  return `rp_${sha256(`${provider}\u0000${providerMessageId}`).slice(0, 24)}`;
}

const ANGLE_EMAIL = /<\s*([^<>\s@]+@[^<>\s@]+)\s*>/;
const BARE_EMAIL = /^(?:mailto:)?([^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+)$/i;

/**
 * The contact point a sender writes from: an e-mail address (lower case; `Name <addr>`
 * accepted) or a phone number in E.164 (national numbers read as `defaultCountry`).
 * Undefined when it is neither.
 */
export function contactPointOf(
  channel: InboundChannel,
  from: string,
  defaultCountry: 'US' = 'US',
): ContactPoint | undefined {
  const raw = from.trim();
  const email = ANGLE_EMAIL.exec(raw)?.[1] ?? BARE_EMAIL.exec(raw)?.[1];
  if (email) return { kind: 'email', value: email.toLowerCase() };
  if (channel === 'email') return undefined;
  const phone = parsePhoneNumberFromString(raw.replace(/^tel:/i, ''), defaultCountry);
  return phone && phone.isPossible() ? { kind: 'phone', value: phone.number } : undefined;
}

const QUOTE_INTRO = /^(?:on|el)\b/i;
const QUOTE_END = /(?:wrote|escribi[oó]):$/i;

/**
 * The new text of an e-mail reply: what comes before the quoted message ("On … wrote:",
 * "> …", "-----Original Message-----", an Outlook header block) and the signature (`-- `).
 * Classifying the quote would read our own reminder's amounts and dates as the tenant's.
 */
export function latestEmailText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    const next = (lines[i + 1] ?? '').trim();
    if (t.startsWith('>')) break;
    // "On Mon, Oct 5, 2026 at 9:00 AM Oak Court <office@…> wrote:", maybe wrapped in two.
    if (
      QUOTE_INTRO.test(t) &&
      (QUOTE_END.test(t) || (QUOTE_END.test(next) && !QUOTE_INTRO.test(next)))
    )
      break;
    if (/^-{2,}\s*(?:original message|mensaje original|forwarded message)\s*-{2,}$/i.test(t)) break;
    if (/^_{8,}$/.test(t)) break;
    if (/^(?:from|de):\s/i.test(t) && out.some((l) => l.trim() !== '')) break;
    if (t === '--' || lines[i] === '-- ') break;
    out.push(lines[i]!);
  }
  return out.join('\n').trim();
}

/** The text to classify: the new part of an e-mail (else its subject), or the message. */
export function replyText(channel: InboundChannel, text: string, subject?: string | null): string {
  if (channel !== 'email') return text.trim();
  const body = latestEmailText(text);
  if (body !== '') return body;
  return (subject ?? '').replace(/^(?:\s*(?:re|fwd?|rv|res)\s*:\s*)+/i, '').trim();
}

const FILLERS = new RegExp(
  `(?<![a-z0-9*])(?:${[...EN.fillers, ...ES.fillers].join('|')})(?![a-z0-9*])`,
  'g',
);
const HELP_KEYWORD = wholePattern([...EN.helpKeywords, ...ES.helpKeywords]);

/** HELP / INFO / AYUDA as the whole message (a carrier keyword), not a question in words. */
export function isHelpKeyword(text: string): boolean {
  const words = normalizeReply(text).words.replace(FILLERS, ' ').replace(/ {2,}/g, ' ').trim();
  return HELP_KEYWORD.test(words);
}

/** The suggestion a classified reply makes, if any (opt-out, opt-in, HELP act at once). */
export function suggestionKindOf(
  c: Pick<ReplyClassification, 'intent'>,
  helpKeyword: boolean,
): SuggestionKind | undefined {
  switch (c.intent) {
    case 'promise_to_pay':
      return 'promise';
    case 'payment_plan_request':
      return 'payment_plan';
    case 'dispute':
    case 'hardship':
    case 'paid_claim':
    case 'legal':
    case 'hostile':
    case 'wrong_number':
      return c.intent;
    case 'help':
      return helpKeyword ? undefined : 'callback';
    default:
      return undefined;
  }
}

export type AutoResponse = 'opt-out-confirmation' | 'opt-in-confirmation' | 'help-response';

/**
 * The answer a channel requires at once: SMS opt-out and opt-in confirmations (CTIA), and
 * the answer to a HELP keyword by SMS or e-mail. Other channels need none.
 */
export function autoResponseOf(
  c: Pick<ReplyClassification, 'intent'>,
  helpKeyword: boolean,
  channel: InboundChannel,
): AutoResponse | undefined {
  if (c.intent === 'opt_out') return channel === 'sms' ? 'opt-out-confirmation' : undefined;
  if (c.intent === 'opt_in') return channel === 'sms' ? 'opt-in-confirmation' : undefined;
  if (c.intent === 'help' && helpKeyword)
    return channel === 'sms' || channel === 'email' ? 'help-response' : undefined;
  return undefined;
}

/** The text of an automatic answer, in the reply's language (English or Spanish). */
export function autoResponseText(
  kind: AutoResponse,
  language: 'en' | 'es',
  office: OfficeContact,
  allChannels = false,
): { subject: string; body: string } {
  const es = language === 'es';
  const reach = [office.phone, office.email].filter((x): x is string => !!x);
  if (kind === 'opt-out-confirmation')
    return es
      ? {
          subject: 'Baja confirmada',
          body: allChannels
            ? `${office.name}: ya no recibirá mensajes nuestros por ningún medio. Responda ALTA para volver a recibirlos.`
            : `${office.name}: ya no recibirá mensajes de texto nuestros. Responda ALTA para volver a recibirlos.`,
        }
      : {
          subject: 'Unsubscribed',
          body: allChannels
            ? `${office.name}: you will no longer receive messages from us on any channel. Reply START to receive them again.`
            : `${office.name}: you will no longer receive text messages from us. Reply START to receive them again.`,
        };
  if (kind === 'opt-in-confirmation')
    return es
      ? {
          subject: 'Alta confirmada',
          body: `${office.name}: volverá a recibir nuestros mensajes de texto. Responda BAJA para dejar de recibirlos o AYUDA para obtener ayuda.`,
        }
      : {
          subject: 'Subscribed',
          body: `${office.name}: you will receive text messages from us again. Reply STOP to stop them, HELP for help.`,
        };
  const contact = es
    ? reach.length > 0
      ? `llame o escriba a ${reach.join(' o ')}`
      : 'comuníquese con la oficina'
    : reach.length > 0
      ? `call or write to ${reach.join(' or ')}`
      : 'contact the office';
  return es
    ? {
        subject: `Ayuda de ${office.name}`,
        body: `${office.name}: para ayuda con su cuenta, ${contact}. Responda BAJA para no recibir más mensajes.`,
      }
    : {
        subject: `Help from ${office.name}`,
        body: `${office.name}: for help with your account, ${contact}. Reply STOP to stop these messages.`,
      };
}

// ---------------------------------------------------------------------------------------
// Receiving a message

export interface ReceivedReply {
  replyId: string;
  /** The same provider message was received before: nothing was written now. */
  duplicate: boolean;
  status: ReplyStatus;
  intent: ReplyIntent;
  /** The lease the reply is threaded to, and every lease it reached. */
  leaseId: string | null;
  leaseIds: string[];
  episode: number | null;
  /** `reply` events stored (one per lease reached). */
  events: number;
  /** Suggestions created for staff to confirm or dismiss. */
  suggestions: string[];
  /** Outbox keys of the automatic answers queued. */
  queued: string[];
}

const MAX_ID = 512;
const MAX_TEXT = 20_000;

/**
 * A provider's text without NUL characters: they carry nothing a person wrote, and
 * PostgreSQL stores no `\u0000` (the insert would fail, and the provider retry forever).
 */
function withoutNul<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' && s.includes('\u0000') ? s.replaceAll('\u0000', '') : s) as T;
}

function checkMessage(message: InboundMessage): InboundMessage {
  const m: InboundMessage = {
    ...message,
    from: withoutNul(message.from),
    to: withoutNul(message.to),
    text: withoutNul(message.text),
    subject: withoutNul(message.subject),
    providerMessageId: withoutNul(message.providerMessageId),
  };
  const issues: InputIssue[] = [];
  const need = (ok: boolean, path: string, message: string) => {
    if (!ok) issues.push({ path, message });
  };
  need(typeof m.orgId === 'string' && m.orgId !== '', 'orgId', 'is required');
  need(
    (INBOUND_CHANNELS as readonly string[]).includes(m.channel),
    'channel',
    `must be one of ${INBOUND_CHANNELS.join(', ')}`,
  );
  need(
    typeof m.from === 'string' && m.from.trim() !== '',
    'from',
    'is required: the number or address it came from',
  );
  need(typeof m.text === 'string', 'text', 'must be a string');
  need(
    typeof m.provider === 'string' && m.provider !== '',
    'provider',
    'is required: the connector id',
  );
  need(
    typeof m.providerMessageId === 'string' &&
      m.providerMessageId !== '' &&
      m.providerMessageId.length <= MAX_ID,
    'providerMessageId',
    `is required (at most ${MAX_ID} characters): the provider's id of the message`,
  );
  need(
    typeof m.receivedAt === 'string' && !Number.isNaN(Date.parse(m.receivedAt)),
    'receivedAt',
    'must be an ISO-8601 instant',
  );
  if (issues.length > 0) throw new InputError(issues);
  return {
    ...m,
    text: m.text.length > MAX_TEXT ? m.text.slice(0, MAX_TEXT) : m.text,
    receivedAt: new Date(Date.parse(m.receivedAt)).toISOString(),
  };
}

function parseEvent(e: unknown, path: string): PortfolioEvent {
  const r = portfolioEvent.safeParse(e);
  if (!r.success)
    throw new InputError(
      zodIssuesToInputIssues(r.error.issues, { input: e, schema: portfolioEvent }).map((i) => ({
        ...i,
        path: `${path}.${i.path}`,
      })),
    );
  return r.data;
}

/** Leases in id order, each with the tenants matched on it. */
function byLease(matches: readonly SenderMatch[]): Map<string, SenderMatch[]> {
  const out = new Map<string, SenderMatch[]>();
  for (const m of [...matches].sort((a, b) =>
    a.leaseId === b.leaseId ? (a.tenantId < b.tenantId ? -1 : 1) : a.leaseId < b.leaseId ? -1 : 1,
  )) {
    const list = out.get(m.leaseId);
    if (list) {
      if (!list.some((x) => x.tenantId === m.tenantId)) list.push(m);
    } else out.set(m.leaseId, [m]);
  }
  return out;
}

/** The lease a reply is threaded to: one with an open case (the latest opened), else the first. */
function primaryLease(leases: Map<string, SenderMatch[]>): SenderMatch[] | undefined {
  let best: SenderMatch[] | undefined;
  for (const ms of leases.values()) {
    const open = ms[0]!.openEpisode;
    if (!best) best = ms;
    else if (open !== null && best[0]!.openEpisode === null) best = ms;
  }
  return best;
}

/** The `reply` event for one lease: naming the tenant, or the number several of them share. */
function replyEvent(
  replyId: string,
  ms: readonly SenderMatch[],
  msg: InboundMessage,
  point: ContactPoint,
  text: string,
): PortfolioEvent {
  const first = ms[0]!;
  const stored = point.kind === 'phone' ? first.tenantPhone : first.tenantEmail;
  return parseEvent(
    {
      type: 'reply',
      id: `reply:${replyId}`,
      leaseId: first.leaseId,
      ...(ms.length === 1 ? { tenantId: first.tenantId } : {}),
      date: epochToLocal(Date.parse(msg.receivedAt), first.timezone).date,
      at: msg.receivedAt,
      channel: msg.channel,
      text,
      from: stored ?? point.value,
    },
    `reply ${replyId}`,
  );
}

function storedView(r: StoredReply): Omit<ReceivedReply, 'duplicate'> {
  return {
    replyId: r.id,
    status: r.status,
    intent: r.intent,
    leaseId: r.leaseId,
    leaseIds: r.leaseIds,
    episode: r.episode,
    events: 0,
    suggestions: [],
    queued: [],
  };
}

/** Handles one inbound message in one transaction (see the file comment). */
export async function receiveReply<Tx>(
  deps: InboundDeps<Tx>,
  message: InboundMessage,
): Promise<ReceivedReply> {
  const msg = checkMessage(message);
  const { orgId } = msg;
  const replyId = replyIdOf(msg.provider, msg.providerMessageId);
  const actor = `provider:${msg.provider}`;
  const point = contactPointOf(msg.channel, msg.from);
  const receivedMs = Date.parse(msg.receivedAt);

  return deps.inbound.transaction(orgId, async (tx) => {
    const seen = await deps.inbound.replyByProviderId(
      tx,
      orgId,
      msg.provider,
      msg.providerMessageId,
    );
    if (seen) return { ...storedView(seen), duplicate: true };

    const now = new Date(deps.clock.now()).toISOString();
    const leases = byLease(point ? await deps.inbound.matchSender(tx, orgId, point) : []);
    const primary = primaryLease(leases);
    const lead = primary?.[0];
    const date = epochToLocal(receivedMs, lead?.timezone ?? 'UTC').date;
    const text = replyText(msg.channel, msg.text, msg.subject);
    const c = classifyReply(text, date);
    const helpKeyword = c.intent === 'help' && isHelpKeyword(text);
    const kind = lead ? suggestionKindOf(c, helpKeyword) : undefined;
    const response = lead ? autoResponseOf(c, helpKeyword, msg.channel) : undefined;
    const leaseIds = [...leases.keys()];
    const status: ReplyStatus = lead ? 'matched' : 'unmatched';
    const episode = lead?.openEpisode ?? null;

    const reply: NewReply = {
      id: replyId,
      leaseId: lead?.leaseId ?? null,
      tenantId: lead && primary!.length === 1 ? lead.tenantId : null,
      episode,
      channel: msg.channel,
      from: point?.value ?? msg.from.trim(),
      to: msg.to?.trim() || null,
      body: msg.text,
      receivedAt: msg.receivedAt,
      intent: c.intent,
      classification: {
        ...(c as unknown as JsonObject),
        localDate: date,
        ...(text !== msg.text.trim() ? { classifiedText: text } : {}),
        ...(helpKeyword ? { keyword: true } : {}),
      },
      provider: msg.provider,
      providerMessageId: msg.providerMessageId,
      status,
      leaseIds,
      createdAt: now,
    };
    if (!(await deps.inbound.insertReply(tx, orgId, reply))) {
      const again = await deps.inbound.replyByProviderId(
        tx,
        orgId,
        msg.provider,
        msg.providerMessageId,
      );
      if (again) return { ...storedView(again), duplicate: true };
      throw new Error(`reply ${replyId} was neither inserted nor found`);
    }

    const result: ReceivedReply = {
      replyId,
      duplicate: false,
      status,
      intent: c.intent,
      leaseId: reply.leaseId,
      leaseIds,
      episode,
      events: 0,
      suggestions: [],
      queued: [],
    };
    const base = {
      replyId,
      provider: msg.provider,
      providerMessageId: msg.providerMessageId,
      channel: msg.channel,
      intent: c.intent,
      intents: c.intents,
      language: c.language,
      localDate: date,
    };

    if (!lead || !point) {
      await deps.inbound.audit(tx, orgId, [
        {
          at: now,
          actor,
          type: 'reply.unmatched',
          subject: `reply:${replyId}`,
          data: { ...base, status },
        },
      ]);
      return result;
    }

    // The events the evaluator reads: opt-outs, opt-ins and R12 holds take effect from here.
    const events = [...leases.values()].map((ms) => replyEvent(replyId, ms, msg, point, text));
    result.events = await deps.inbound.addEvents(tx, orgId, events, {
      source: `webhook:${msg.provider}`,
      actor,
      at: now,
    });

    const audit: AuditInput[] = [];
    if (kind) {
      const proposal: SuggestionProposal = {};
      if (c.amountCents !== undefined) proposal.amountCents = c.amountCents;
      if (kind === 'promise' && c.promisedDate !== undefined) proposal.until = c.promisedDate;
      const suggestion: NewSuggestion = {
        id: `sg_${sha256(`${replyId}\u0000${kind}`).slice(0, 24)}`,
        replyId,
        leaseId: lead.leaseId,
        tenantId: reply.tenantId,
        episode,
        kind,
        intent: c.intent,
        channel: msg.channel,
        replyDate: date,
        proposal,
        createdAt: now,
      };
      await deps.suggestions.insert(tx, orgId, [suggestion]);
      result.suggestions.push(suggestion.id);
      audit.push({
        at: now,
        actor,
        type: 'suggestion.created',
        subject: `lease:${lead.leaseId}`,
        data: {
          id: suggestion.id,
          replyId,
          kind,
          intent: c.intent,
          episode,
          proposal: proposal as JsonObject,
        },
      });
    }

    if (response) {
      const language = c.language === 'es' || lead.language === 'es' ? 'es' : 'en';
      const content = autoResponseText(response, language, lead.office, c.optOutScope === 'all');
      const item: NewOutboxItem = {
        key: `${lead.leaseId}:${episode ?? lead.lastEpisode ?? 1}:$reply:${response}:${replyId}`,
        leaseId: lead.leaseId,
        episode: episode ?? lead.lastEpisode ?? 1,
        stage: '$reply',
        action: response,
        type: 'message',
        channel: msg.channel,
        method: msg.channel,
        contactId: lead.tenantId,
        dueAt: now,
        payload: {
          template: response,
          language,
          ...(msg.channel === 'email' ? { subject: content.subject } : {}),
          body: content.body,
          inReplyTo: replyId,
          date,
        },
        policyId: null,
        policyVersion: null,
        amountCents: null,
        approvalsRequired: 0,
        pastDueCents: null,
      };
      result.queued = await deps.outbox.insertItems(tx, orgId, [item], actor);
    }

    audit.push({
      at: now,
      actor,
      type: 'reply.received',
      subject: `lease:${lead.leaseId}`,
      data: {
        ...base,
        status,
        leaseId: lead.leaseId,
        leaseIds,
        tenantId: reply.tenantId,
        episode,
        events: result.events,
        ...(c.optOutScope ? { optOutScope: c.optOutScope } : {}),
        ...(c.amountCents !== undefined ? { amountCents: c.amountCents } : {}),
        ...(c.promisedDate !== undefined ? { promisedDate: c.promisedDate } : {}),
        suggestions: result.suggestions,
        queued: result.queued,
      },
    });
    await deps.inbound.audit(tx, orgId, audit);
    return result;
  });
}

// ---------------------------------------------------------------------------------------
// Delivery receipts

export const RECEIPT_STATUSES = [
  'delivered',
  'undelivered',
  'bounced',
  'failed',
  'returned',
] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

export interface DeliveryReceipt {
  orgId: string;
  /** The connector that reported it. */
  provider: string;
  /** The provider's event id (the delivery event is stored once per item and status). */
  eventId: string;
  status: ReceiptStatus;
  /** The provider's id of the message we sent (recorded when it accepted the send). */
  providerMessageId?: string | null;
  /** Our outbox key, when the provider echoes it back. */
  key?: string | null;
  /** ISO instant of the status. */
  at: string;
  /** The provider's error code or text (a bounce reason …), kept short. */
  detail?: string | null;
}

export interface ReceivedDelivery {
  /** The outbox item it is about, or null when none matched (recorded in the audit log). */
  key: string | null;
  from: OutboxStatus | null;
  to: OutboxStatus | null;
  /** The item moved (sent → delivered / failed). */
  transitioned: boolean;
  /** A `delivery` event was stored now (a repeat of the same status is not). */
  eventRecorded: boolean;
  /** The contact point is marked bad from now on (bounced / undelivered). */
  contactBad: boolean;
}

const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);
const METHOD_SET: ReadonlySet<string> = new Set(DELIVERY_METHODS);

function deliveryEvent(item: OutboxItem, reported: ReceiptStatus, date: string): PortfolioEvent {
  // `returned` is a postal notion: the evaluator reads it as failed service of a statutory
  // notice. A message "returned" simply failed.
  const status = reported === 'returned' && item.type !== 'document' ? 'failed' : reported;
  const viaMethod = item.type === 'document' && item.method !== null && METHOD_SET.has(item.method);
  const channel = item.channel ?? item.method;
  return parseEvent(
    {
      type: 'delivery',
      id: `delivery:${item.key}:${status}`,
      leaseId: item.leaseId,
      date,
      status,
      key: item.key,
      ...(item.contactId !== null ? { contactId: item.contactId } : {}),
      ...(viaMethod
        ? { method: item.method }
        : channel !== null && CHANNEL_SET.has(channel)
          ? { channel }
          : {}),
    },
    `delivery ${item.key}`,
  );
}

/**
 * A provider's delivery status for something we sent: the item moves on (as the
 * `provider`, where the transition table allows it), and a `delivery` event lets the
 * evaluator mark a bounced or undelivered contact point bad. One transaction, audited.
 *
 * Group commit: receipts of one organisation that arrive while its previous batch is being
 * written are applied together in one transaction (one organisation lock, one commit), with
 * the same effect as one after the other but a handful of statements for the whole group
 * (`applyReceipts`), and each caller is answered only once that transaction committed. If
 * the batch fails, each receipt is applied again alone, so one bad receipt fails only its
 * own caller.
 */
export async function receiveDeliveryStatus<Tx>(
  deps: Pick<InboundDeps<Tx>, 'inbound' | 'outbox' | 'clock' | 'onFailed'>,
  receipt: DeliveryReceipt,
): Promise<ReceivedDelivery> {
  const checked = checkedReceipt(receipt);
  const { result, failed } = await batchFor(deps.inbound, checked.receipt.orgId).add(deps, checked);
  // After the commit: the fallback is a new item of its own (a repeat inserts nothing).
  if (failed && deps.onFailed) await deps.onFailed(failed).catch(() => undefined);
  return result;
}

/** At most this many receipts share a transaction (the organisation lock is held across it). */
export const DELIVERY_BATCH_MAX = 32;

interface CheckedReceipt {
  receipt: DeliveryReceipt;
  atMs: number;
  actor: string;
  detail: string | null;
}

interface Applied {
  result: ReceivedDelivery;
  failed: OutboxItem | undefined;
}

interface Waiting<Tx> {
  deps: Pick<InboundDeps<Tx>, 'inbound' | 'outbox' | 'clock'>;
  checked: CheckedReceipt;
  resolve: (applied: Applied) => void;
  reject: (error: unknown) => void;
}

interface DeliveryBatch<Tx> {
  add(
    deps: Pick<InboundDeps<Tx>, 'inbound' | 'outbox' | 'clock'>,
    checked: CheckedReceipt,
  ): Promise<Applied>;
}

/**
 * One batcher per inbound store and organisation: the receipts of a group share the store's
 * transaction (the store is the runtime's; tests get their own), each applied with its own
 * caller's outbox and clock.
 */
const batches = new WeakMap<object, Map<string, DeliveryBatch<unknown>>>();

function batchFor<Tx>(inbound: InboundStore<Tx>, orgId: string): DeliveryBatch<Tx> {
  let byOrg = batches.get(inbound);
  if (!byOrg) batches.set(inbound, (byOrg = new Map()));
  let batch = byOrg.get(orgId) as DeliveryBatch<Tx> | undefined;
  if (!batch) {
    batch = deliveryBatch(inbound, orgId);
    byOrg.set(orgId, batch as DeliveryBatch<unknown>);
  }
  return batch;
}

function deliveryBatch<Tx>(inbound: InboundStore<Tx>, orgId: string): DeliveryBatch<Tx> {
  const queue: Waiting<Tx>[] = [];
  let draining = false;

  const applyAll = (group: readonly Waiting<Tx>[]): Promise<Applied[]> =>
    inbound.transaction(orgId, (tx) => applyReceipts(inbound, tx, orgId, group));

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const group = queue.splice(0, DELIVERY_BATCH_MAX);
        try {
          const applied = await applyAll(group);
          group.forEach((w, i) => w.resolve(applied[i]!));
        } catch (error) {
          if (group.length === 1) {
            group[0]!.reject(error);
            continue;
          }
          // Nothing of the batch was written; each receipt is tried alone.
          for (const w of group) await applyAll([w]).then(([a]) => w.resolve(a!), w.reject);
        }
      }
    } finally {
      draining = false;
    }
  }

  return {
    add(deps, checked) {
      return new Promise<Applied>((resolve, reject) => {
        queue.push({ deps, checked, resolve, reject });
        if (draining) return;
        // Started once the current turn is done: receipts handed over together (the webhook
        // inbox drainer handles a claimed batch at once) form the first group, not just the
        // first receipt.
        draining = true;
        queueMicrotask(() => void drain());
      });
    },
  };
}

function checkedReceipt(given: DeliveryReceipt): CheckedReceipt {
  const receipt: DeliveryReceipt = {
    ...given,
    eventId: withoutNul(given.eventId),
    providerMessageId: withoutNul(given.providerMessageId),
    key: withoutNul(given.key),
    detail: withoutNul(given.detail),
  };
  if (!(RECEIPT_STATUSES as readonly string[]).includes(receipt.status))
    throw new InputError([
      { path: 'status', message: `must be one of ${RECEIPT_STATUSES.join(', ')}` },
    ]);
  if (!receipt.key && !receipt.providerMessageId)
    throw new InputError([
      { path: 'messageId', message: 'name the message: its provider message id or our key' },
    ]);
  const atMs = Date.parse(receipt.at);
  if (Number.isNaN(atMs))
    throw new InputError([{ path: 'at', message: 'must be an ISO-8601 instant' }]);
  const actor = `provider:${receipt.provider}`;
  const detail = receipt.detail ? receipt.detail.slice(0, 200) : null;
  return { receipt, atMs, actor, detail };
}

type Receipt<Tx> = Pick<Waiting<Tx>, 'deps' | 'checked'>;

/** A receipt of a part, with the key of the outbox item it names (undefined: none). */
interface Named<Tx> extends Receipt<Tx> {
  key: string | undefined;
}

/**
 * Applies a group of receipts in `tx` exactly as one after the other would, with a few
 * statements for the whole group rather than a dozen per receipt. It goes in parts in which
 * no two receipts name the same item: each part reads and locks its items in one statement,
 * moves them in one, and stores their events in one. A receipt naming an item its part
 * already holds (a repeat, a `delivered` then a `failed`) begins the next part, which reads
 * the item as the earlier receipt left it. The audit entries are appended once, at the end,
 * in the order one receipt after the other writes them (the chain is the same).
 */
async function applyReceipts<Tx>(
  inbound: InboundStore<Tx>,
  tx: Tx,
  orgId: string,
  group: readonly Receipt<Tx>[],
): Promise<Applied[]> {
  const applied: Applied[] = [];
  const audit: AuditInput[] = [];
  // Lease facts do not change in a receipt's transaction: read once per group.
  const leases = new Map<string, LeaseFacts | undefined>();
  for (let rest = group; rest.length > 0;) {
    const part = await nextPart(inbound, tx, orgId, rest);
    applied.push(...(await applyPart(inbound, tx, orgId, part, leases, audit)));
    rest = rest.slice(part.length);
  }
  await inbound.audit(tx, orgId, audit);
  return applied;
}

/** The longest run at the head of `rest` in which no two receipts name the same item. */
async function nextPart<Tx>(
  inbound: InboundStore<Tx>,
  tx: Tx,
  orgId: string,
  rest: readonly Receipt<Tx>[],
): Promise<Named<Tx>[]> {
  const providerIds = rest.flatMap(({ checked: { receipt } }) =>
    receipt.key ? [] : [receipt.providerMessageId!],
  );
  const byProviderId =
    providerIds.length > 0
      ? await inbound.outboxKeysByProviderIds(tx, orgId, providerIds)
      : new Map<string, string[]>();
  const { outbox } = rest[0]!.deps;
  const held = new Set<string>();
  const part: Named<Tx>[] = [];
  for (const { deps, checked } of rest) {
    const { receipt } = checked;
    // A provider id names the item of that id updated last: a move of any of them earlier
    // in the part could change which one, so such a receipt waits for the next part too.
    // A part is moved through one outbox store: another caller's store starts a new part.
    const names = receipt.key
      ? [receipt.key]
      : (byProviderId.get(receipt.providerMessageId!) ?? []);
    if (part.length > 0 && (deps.outbox !== outbox || names.some((k) => held.has(k)))) break;
    const key = names[0];
    if (key !== undefined) held.add(key);
    part.push({ deps, checked, key });
  }
  return part;
}

type Plan =
  | {
      checked: CheckedReceipt;
      now: string;
      item: undefined;
      why: 'no_item' | 'provider_id_mismatch';
    }
  | {
      checked: CheckedReceipt;
      now: string;
      item: OutboxItem;
      /** Its slot among the part's transitions, when it moves. */
      move: number | undefined;
    };

/** One part (distinct items): results in receipt order; audit entries added to `audit`. */
async function applyPart<Tx>(
  inbound: InboundStore<Tx>,
  tx: Tx,
  orgId: string,
  part: readonly Named<Tx>[],
  leases: Map<string, LeaseFacts | undefined>,
  audit: AuditInput[],
): Promise<Applied[]> {
  const { outbox } = part[0]!.deps;
  const keys = part.flatMap((r) => (r.key === undefined ? [] : [r.key]));
  const items =
    keys.length > 0 ? await outbox.lockMany(tx, orgId, keys) : new Map<string, OutboxItem>();

  const changes: LockedTransition[] = [];
  const plans = part.map(({ deps, checked, key }): Plan => {
    const { receipt, actor, detail } = checked;
    const now = new Date(deps.clock.now()).toISOString();
    const item = key === undefined ? undefined : items.get(key);
    if (!item) return { checked, now, item, why: 'no_item' };
    if (
      !!receipt.providerMessageId &&
      item.providerId !== null &&
      item.providerId !== receipt.providerMessageId
    )
      return { checked, now, item: undefined, why: 'provider_id_mismatch' };
    const target: OutboxStatus = receipt.status === 'delivered' ? 'delivered' : 'failed';
    if (
      item.status === target ||
      !isOutboxStatus(item.status) ||
      !canTransition(item.status, target, 'provider')
    )
      return { checked, now, item, move: undefined };
    changes.push({
      item,
      to: target,
      options: {
        actor,
        reason: target === 'failed' ? `${receipt.status}${detail ? `: ${detail}` : ''}` : null,
        at: now,
        audit: {
          eventId: receipt.eventId,
          status: receipt.status,
          providerMessageId: receipt.providerMessageId ?? null,
        },
      },
    });
    return { checked, now, item, move: changes.length - 1 };
  });
  const moved = changes.length > 0 ? await outbox.transitionLocked(tx, orgId, changes) : [];

  const matched = plans.filter((p) => p.item !== undefined);
  const unread = [...new Set(matched.map((p) => p.item.leaseId))].filter((id) => !leases.has(id));
  if (unread.length > 0) {
    const found = await inbound.leaseFactsMany(tx, orgId, unread);
    for (const id of unread) leases.set(id, found.get(id));
  }
  const stored =
    matched.length > 0
      ? await inbound.addEventsEach(
          tx,
          orgId,
          matched.map(({ checked: { receipt, atMs, actor }, now, item }) => ({
            event: deliveryEvent(
              item,
              receipt.status,
              epochToLocal(atMs, leases.get(item.leaseId)?.timezone ?? 'UTC').date,
            ),
            write: { source: `webhook:${receipt.provider}`, actor, at: now },
          })),
        )
      : [];

  let nth = 0;
  return plans.map((plan): Applied => {
    const { receipt, actor, detail } = plan.checked;
    if (plan.item === undefined) {
      audit.push({
        at: plan.now,
        actor,
        type: 'delivery.unmatched',
        subject: `provider:${receipt.provider}`,
        data: {
          eventId: receipt.eventId,
          status: receipt.status,
          key: receipt.key ?? null,
          providerMessageId: receipt.providerMessageId ?? null,
          why: plan.why,
        },
      });
      return {
        result: {
          key: null,
          from: null,
          to: null,
          transitioned: false,
          eventRecorded: false,
          contactBad: false,
        },
        failed: undefined,
      };
    }
    const { item } = plan;
    const transition = plan.move === undefined ? undefined : moved[plan.move]!;
    if (transition) audit.push(transition.audit);
    const to = transition ? transition.item.status : item.status;
    const recorded = stored[nth++]!;
    const contactBad =
      (receipt.status === 'bounced' || receipt.status === 'undelivered') &&
      (item.type === 'message' || item.method === 'email' || item.method === 'sms_link');
    audit.push({
      at: plan.now,
      actor,
      type: 'delivery.received',
      subject: `outbox:${item.key}`,
      data: {
        key: item.key,
        eventId: receipt.eventId,
        status: receipt.status,
        from: item.status,
        to,
        detail,
        eventRecorded: recorded,
        contactBad,
      },
    });
    return {
      result: {
        key: item.key,
        from: item.status,
        to,
        transitioned: to !== item.status,
        eventRecorded: recorded,
        contactBad,
      },
      failed: transition && to === 'failed' ? item : undefined,
    };
  });
}
