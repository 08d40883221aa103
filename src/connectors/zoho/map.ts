/**
 * Zoho CRM shapes both ways (pure): the Cases record and note of a case event, the record a
 * `writeback` action upserts, Zoho's error and per-record answers, and the notifications of
 * the Notification API with the hold requests staff type into a case (reference §7).
 *
 * One record per Arrears case in the Cases module (its `Status` New / Closed fits a
 * delinquency case better than a sales pipeline), found again by the unique custom field
 * `Arrears_Lease_Case` = `<leaseId>:<episode>` through `upsert` with duplicate_check_fields.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import type { ProviderError } from '../outcomes.js';
import { holdRequestOf } from '../hold-request.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export const MODULE = 'Cases';
export const API = '/crm/v8';

export const FIELDS = {
  subject: 'Subject',
  status: 'Status',
  origin: 'Case_Origin',
  /** Unique custom field, the duplicate check of every upsert. */
  leaseCase: 'Arrears_Lease_Case',
  leaseId: 'Arrears_Lease_Id',
  episode: 'Arrears_Episode',
  stage: 'Arrears_Stage',
  lastAction: 'Arrears_Last_Action',
  lastReply: 'Arrears_Last_Reply',
  balance: 'Arrears_Balance',
  tenant: 'Arrears_Tenant',
  property: 'Arrears_Property',
  unit: 'Arrears_Unit',
  outcome: 'Arrears_Outcome',
  openedOn: 'Arrears_Opened_On',
  closedOn: 'Arrears_Closed_On',
  lastEvent: 'Arrears_Last_Event',
  /** Typed by staff: `hold: dispute`, `release: dispute` … (read by the webhook). */
  holdRequest: 'Arrears_Hold_Request',
  holdUntil: 'Arrears_Hold_Until',
} as const;

export interface CaseKey {
  leaseId: string;
  episode: number;
  value: string;
}

export function caseKeyOf(leaseId: string | null, episode: number | null): CaseKey | null {
  if (leaseId === null || episode === null) return null;
  return { leaseId, episode, value: `${leaseId}:${episode}` };
}

/** Dollars for a Zoho currency field: exact for whole cents. */
export function decimalOf(cents: number): number {
  return Number((cents / 100).toFixed(2));
}

export function dollars(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

function subjectOf(key: CaseKey, context: CaseContext | null): string {
  const who = context?.tenant?.name ?? key.leaseId;
  const unit = context?.unit ? ` — unit ${context.unit}` : '';
  return `Arrears ${who}${unit} (${key.leaseId} #${key.episode})`;
}

/**
 * The record an event upserts. Without context (an erased lease) it carries no Subject,
 * so Zoho can only update an existing record: an insert is refused MANDATORY_NOT_FOUND.
 * An action never touches `Status`, so a late failure cannot reopen a closed case.
 */
export function caseRecordOf({ event, context }: CaseEvent, key: CaseKey): Json {
  const record: Json = {
    [FIELDS.leaseCase]: key.value,
    [FIELDS.leaseId]: key.leaseId,
    [FIELDS.episode]: key.episode,
    [FIELDS.lastEvent]: event.id,
  };
  if (context !== null) {
    record[FIELDS.subject] = subjectOf(key, context);
    record[FIELDS.balance] = decimalOf(context.balanceCents);
    record[FIELDS.tenant] = context.tenant?.name ?? null;
    record[FIELDS.property] = context.property?.name ?? null;
    record[FIELDS.unit] = context.unit || null;
  }
  switch (event.event) {
    case 'case.opened':
      record[FIELDS.status] = 'New';
      record[FIELDS.origin] = 'Web';
      if (event.openedOn) record[FIELDS.openedOn] = event.openedOn;
      break;
    case 'case.closed':
      record[FIELDS.status] = 'Closed';
      record[FIELDS.outcome] = event.outcome;
      if (event.closedOn) record[FIELDS.closedOn] = event.closedOn;
      break;
    case 'action.sent':
    case 'action.failed':
      if (event.stage) record[FIELDS.stage] = event.stage;
      record[FIELDS.lastAction] = `${event.stage ?? '?'}/${event.action ?? '?'} ${event.status}`;
      break;
    case 'reply.received':
      record[FIELDS.lastReply] = event.intent;
      break;
  }
  return record;
}

/** The upsert request: one record, deduplicated on the case key, workflows run. */
export function upsertBody(record: Json): Json {
  return { data: [record], duplicate_check_fields: [FIELDS.leaseCase], trigger: ['workflow'] };
}

/** `[evt_default_12]` at the end of a note's title: how a repeat finds the note it wrote. */
export const marker = (eventId: string) => `[${eventId}]`;

/** The note of an event: codes, dates and counts, never a message body or an address. */
export function noteOf({ event, context }: CaseEvent): {
  Note_Title: string;
  Note_Content: string;
} {
  const balance = context ? ` Balance ${dollars(context.balanceCents)}.` : '';
  let title: string;
  let content: string;
  switch (event.event) {
    case 'case.opened':
      title = 'Arrears case opened';
      content =
        `Episode ${event.caseEpisode ?? '?'} opened on ${event.openedOn ?? event.occurredAt.slice(0, 10)}` +
        `${event.policyId ? ` under policy ${event.policyId} v${event.policyVersion ?? '?'}` : ''}.${balance}`;
      break;
    case 'case.closed':
      title = `Arrears case closed: ${event.outcome ?? 'closed'}`;
      content = `Closed on ${event.closedOn ?? event.occurredAt.slice(0, 10)} (${event.outcome ?? 'no outcome'}).${balance}`;
      break;
    case 'action.sent':
    case 'action.failed':
      title = `Arrears action ${event.status}: ${event.stage ?? '?'} / ${event.action ?? '?'}`;
      content =
        `Stage ${event.stage ?? '?'}, action ${event.action ?? '?'} ${event.status}` +
        `${event.provider ? ` via ${event.provider}` : ''}` +
        `${event.attempts !== null ? ` after ${event.attempts} attempt(s)` : ''}.` +
        (event.event === 'action.failed'
          ? ` Reason: ${event.reason ?? 'unknown'}${event.errorCode ? ` (provider code ${event.errorCode})` : ''}.`
          : '') +
        `${event.key ? ` Outbox key ${event.key}.` : ''}`;
      break;
    case 'reply.received':
      title = `Tenant replied${event.channel ? ` (${event.channel})` : ''}: ${event.intent ?? 'other'}`;
      content = `Reply ${event.replyId ?? '?'} read as ${event.intent ?? 'other'} (${event.status ?? 'recorded'}).`;
      break;
    case 'case.flagged':
      title = `Lease flagged: ${event.kind ?? 'flag'}`;
      content = `Flagged (${event.kind ?? 'flag'}) on ${event.flaggedOn ?? event.occurredAt.slice(0, 10)}.${balance}`;
      break;
  }
  return { Note_Title: `${title} ${marker(event.id)}`, Note_Content: content };
}

/** The record a `writeback` action upserts: its fields, on the item's case. */
export function writebackRecordOf(item: OutboxItem): Json {
  const key = caseKeyOf(item.leaseId, item.episode)!;
  const fields = isObject(item.payload.fields) ? item.payload.fields : {};
  return {
    [FIELDS.subject]: `Arrears ${key.leaseId} (#${key.episode})`,
    [FIELDS.leaseCase]: key.value,
    [FIELDS.leaseId]: key.leaseId,
    [FIELDS.episode]: key.episode,
    ...fields,
  };
}

// ---------------------------------------------------------------------------------------
// Answers

/** Zoho's `{code, details, message, status: "error"}`, at the top or in `data[0]`. */
export function zohoErrorOf(json: unknown): ProviderError | undefined {
  const item = isObject(json) && Array.isArray(json.data) ? json.data[0] : json;
  const top = isObject(json) && typeof json.code === 'string' ? json : undefined;
  const e = top ?? (isObject(item) && item.status === 'error' ? item : undefined);
  if (!e || typeof e.code !== 'string') return undefined;
  const details = isObject(e.details) ? e.details : {};
  const field = typeof details.api_name === 'string' ? ` (${details.api_name})` : '';
  const param = typeof details.param === 'string' ? ` (${details.param})` : '';
  return {
    code: e.code,
    message: `${typeof e.message === 'string' ? e.message : ''}${field}${param}`.trim(),
  };
}

export type RecordResult =
  { ok: true; id: string; action?: string } | { ok: false; error: ProviderError };

/** The answer for the first record of `data[]`. */
export function recordResultOf(json: unknown): RecordResult | undefined {
  if (!isObject(json) || !Array.isArray(json.data) || !isObject(json.data[0])) return undefined;
  const item = json.data[0];
  if (item.status === 'success' && isObject(item.details) && typeof item.details.id === 'string')
    return {
      ok: true,
      id: item.details.id,
      ...(typeof item.action === 'string' ? { action: item.action } : {}),
    };
  const error = zohoErrorOf({ data: [item] });
  return error ? { ok: false, error } : undefined;
}

export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  api_domain: z.string().optional(),
  token_type: z.string().optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswer>;

/** Zoho Accounts answers a refused grant with `{"error": "invalid_code"}` (often as 200). */
export function accountsErrorOf(json: unknown): ProviderError | undefined {
  if (!isObject(json) || typeof json.error !== 'string') return undefined;
  return {
    code: json.error,
    message: typeof json.error_description === 'string' ? json.error_description : json.error,
  };
}

// ---------------------------------------------------------------------------------------
// Notifications and hold requests

export interface Notification {
  channelId: string;
  token: string;
  module: string;
  operation: string;
  ids: string[];
  serverTime: string;
}

const idOf = (v: unknown) =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

export function notificationOf(body: unknown): Notification | null {
  if (!isObject(body)) return null;
  const channelId = idOf(body.channel_id);
  const token = typeof body.token === 'string' ? body.token : undefined;
  if (channelId === undefined || token === undefined) return null;
  return {
    channelId,
    token,
    module: typeof body.module === 'string' ? body.module : '',
    operation: typeof body.operation === 'string' ? body.operation : '',
    ids: Array.isArray(body.ids) ? body.ids.flatMap((i) => idOf(i) ?? []) : [],
    serverTime: idOf(body.server_time) ?? '',
  };
}

/** One notification is one change of these records at this server time. */
export function notificationIdOf(n: Notification): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([n.module, n.operation, n.serverTime, [...n.ids].sort()]))
    .digest('hex')
    .slice(0, 32);
  return `${n.channelId}:${digest}`;
}

/**
 * The SPEC 3.1 event a case record's hold request asks for, or null; its id is the record
 * and its Modified_Time, so the same state read twice records one event.
 */
export function holdEventOf(record: Json, today: string): Json | null {
  const request = holdRequestOf(record[FIELDS.holdRequest]);
  const leaseCase = record[FIELDS.leaseCase];
  const id = idOf(record.id);
  if (request === null || typeof leaseCase !== 'string' || id === undefined) return null;
  const at = leaseCase.lastIndexOf(':');
  const until = record[FIELDS.holdUntil];
  return {
    id: `zoho:${id}:${typeof record.Modified_Time === 'string' ? record.Modified_Time : today}`,
    type: request.kind,
    leaseId: at > 0 ? leaseCase.slice(0, at) : leaseCase,
    date: today,
    hold: request.hold,
    ...(request.kind === 'hold' && typeof until === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(until)
      ? { until }
      : {}),
    by: 'zoho',
    note: `requested in Zoho CRM (${String(record[FIELDS.holdRequest])})`,
  };
}

/** `2026-10-07T16:00:00+00:00`: the ISO form Zoho's channel_expiry takes. */
export function zohoDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
