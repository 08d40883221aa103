/**
 * Dataverse shapes both ways (pure): the case row and note of a case event, the row a
 * `writeback` action patches, OData errors, and the hold requests staff type into a case
 * row (read back when the webhook says the row changed). Reference §6.
 *
 * The case lives in a custom table (default logical name `arrears_case`, entity set
 * `arrears_cases`) rather than `incident`: an incident needs a `customerid` account or
 * contact lookup we do not hold, and custom columns keep the publisher prefix `arrears_`.
 */
import { createHash } from 'node:crypto';
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import type { ProviderError } from '../outcomes.js';
import { z } from 'zod';
import { holdRequestOf } from '../hold-request.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The columns Arrears writes (custom, publisher prefix `arrears_`). */
export const COLUMNS = {
  name: 'arrears_name',
  /** The alternate key: `<leaseId>:<episode>`. */
  leaseCase: 'arrears_leasecase',
  leaseId: 'arrears_leaseid',
  episode: 'arrears_episode',
  status: 'arrears_status',
  stage: 'arrears_stage',
  lastAction: 'arrears_lastaction',
  lastReply: 'arrears_lastreplyintent',
  balance: 'arrears_balance',
  tenant: 'arrears_tenantname',
  property: 'arrears_propertyname',
  unit: 'arrears_unit',
  outcome: 'arrears_outcome',
  openedOn: 'arrears_openedon',
  closedOn: 'arrears_closedon',
  lastEvent: 'arrears_lasteventid',
  /** Typed by staff: `hold: dispute`, `release: dispute` … (read by the webhook). */
  holdRequest: 'arrears_holdrequest',
  holdUntil: 'arrears_holduntil',
} as const;

export interface CaseKey {
  leaseId: string;
  episode: number;
  /** The alternate key value `<leaseId>:<episode>`. */
  value: string;
}

export function caseKeyOf(leaseId: string | null, episode: number | null): CaseKey | null {
  if (leaseId === null || episode === null) return null;
  return { leaseId, episode, value: `${leaseId}:${episode}` };
}

/** `/arrears_cases(arrears_leasecase='L1:1')`: an OData string literal doubles its quotes. */
export function alternateKeyPath(entitySet: string, key: CaseKey): string {
  const literal = key.value.replace(/'/g, "''");
  return `/${entitySet}(${COLUMNS.leaseCase}='${encodeURIComponent(literal)}')`;
}

/** Dollars as a Dataverse decimal: exact for whole cents. */
export function decimalOf(cents: number): number {
  return Number((cents / 100).toFixed(2));
}

/** `$1,200.00` for note text. */
export function dollars(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${whole}.${String(abs % 100).padStart(2, '0')}`;
}

function identity(key: CaseKey, context: CaseContext | null): Json {
  const who = context?.tenant?.name ?? key.leaseId;
  const unit = context?.unit ? ` — unit ${context.unit}` : '';
  return {
    [COLUMNS.name]: `Arrears ${who}${unit} (${key.leaseId} #${key.episode})`,
    [COLUMNS.leaseCase]: key.value,
    [COLUMNS.leaseId]: key.leaseId,
    [COLUMNS.episode]: key.episode,
  };
}

function contextColumns(context: CaseContext | null): Json {
  if (context === null) return {};
  return {
    [COLUMNS.balance]: decimalOf(context.balanceCents),
    [COLUMNS.tenant]: context.tenant?.name ?? null,
    [COLUMNS.property]: context.property?.name ?? null,
    [COLUMNS.unit]: context.unit || null,
  };
}

/**
 * The case row an event upserts. Each event writes only what it knows: an action event
 * never touches the status, so a late `action.failed` cannot reopen a closed case.
 */
export function caseRowOf({ event, context }: CaseEvent, key: CaseKey): Json {
  const row: Json = {
    ...(context !== null ? identity(key, context) : {}),
    ...contextColumns(context),
    [COLUMNS.lastEvent]: event.id,
  };
  switch (event.event) {
    case 'case.opened':
      row[COLUMNS.status] = 'open';
      if (event.openedOn) row[COLUMNS.openedOn] = event.openedOn;
      break;
    case 'case.closed':
      row[COLUMNS.status] = 'closed';
      row[COLUMNS.outcome] = event.outcome;
      if (event.closedOn) row[COLUMNS.closedOn] = event.closedOn;
      break;
    case 'action.sent':
    case 'action.failed':
      if (event.stage) row[COLUMNS.stage] = event.stage;
      row[COLUMNS.lastAction] =
        `${event.stage ?? '?'}/${event.action ?? '?'} ${event.status}`.trim();
      break;
    case 'reply.received':
      row[COLUMNS.lastReply] = event.intent;
      break;
  }
  return row;
}

/** Deactivates a custom-table row (statecode 1 Inactive, statuscode 2 Inactive). */
export const CLOSED_STATE = { statecode: 1, statuscode: 2 } as const;

/** The note of an event: codes, dates and counts, never a message body or an address. */
export function noteOf({ event, context }: CaseEvent): { subject: string; notetext: string } {
  const balance = context ? ` Balance ${dollars(context.balanceCents)}.` : '';
  switch (event.event) {
    case 'case.opened':
      return {
        subject: 'Arrears case opened',
        notetext:
          `Episode ${event.caseEpisode ?? '?'} opened on ${event.openedOn ?? event.occurredAt.slice(0, 10)}` +
          `${event.policyId ? ` under policy ${event.policyId} v${event.policyVersion ?? '?'}` : ''}.${balance}`,
      };
    case 'case.closed':
      return {
        subject: `Arrears case closed: ${event.outcome ?? 'closed'}`,
        notetext: `Closed on ${event.closedOn ?? event.occurredAt.slice(0, 10)} (${event.outcome ?? 'no outcome'}).${balance}`,
      };
    case 'action.sent':
    case 'action.failed': {
      const what = `${event.stage ?? '?'} / ${event.action ?? '?'}`;
      const failure =
        event.event === 'action.failed'
          ? ` Reason: ${event.reason ?? 'unknown'}${event.errorCode ? ` (provider code ${event.errorCode})` : ''}.`
          : '';
      return {
        subject: `Arrears action ${event.status}: ${what}`,
        notetext:
          `Stage ${event.stage ?? '?'}, action ${event.action ?? '?'} ${event.status}` +
          `${event.provider ? ` via ${event.provider}` : ''}` +
          `${event.attempts !== null ? ` after ${event.attempts} attempt(s)` : ''}.${failure}` +
          `${event.key ? ` Outbox key ${event.key}.` : ''}`,
      };
    }
    case 'reply.received':
      return {
        subject: `Tenant replied${event.channel ? ` (${event.channel})` : ''}: ${event.intent ?? 'other'}`,
        notetext: `Reply ${event.replyId ?? '?'} read as ${event.intent ?? 'other'} (${event.status ?? 'recorded'}).`,
      };
    case 'case.flagged':
      return {
        subject: `Lease flagged: ${event.kind ?? 'flag'}`,
        notetext: `Flagged (${event.kind ?? 'flag'}) on ${event.flaggedOn ?? event.occurredAt.slice(0, 10)}.${balance}`,
      };
  }
}

/**
 * A note's id derived from the event id (a name-based UUID, RFC 4122 version 5 layout
 * over SHA-256): creating it again with `If-None-Match: *` answers 412, so a repeated
 * event writes one note.
 */
export function noteIdOf(eventId: string): string {
  const h = createHash('sha256').update(`arrears-note:${eventId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The note body, attached to the case row by its id. */
export function annotationBody(
  note: { subject: string; notetext: string },
  table: string,
  entitySet: string,
  rowId: string,
): Json {
  return { ...note, [`objectid_${table}@odata.bind`]: `/${entitySet}(${rowId})` };
}

/** The row a `writeback` action patches: its fields, on the item's case. */
export function writebackRowOf(item: OutboxItem): { key: CaseKey; row: Json } {
  const key = caseKeyOf(item.leaseId, item.episode)!;
  const fields = isObject(item.payload.fields) ? item.payload.fields : {};
  return {
    key,
    row: {
      [COLUMNS.name]: `Arrears ${key.leaseId} (#${key.episode})`,
      [COLUMNS.leaseCase]: key.value,
      [COLUMNS.leaseId]: key.leaseId,
      [COLUMNS.episode]: key.episode,
      ...fields,
    },
  };
}

// ---------------------------------------------------------------------------------------
// Answers

/** `{"error":{"code":"0x80040217","message":"…"}}`. */
export function odataErrorOf(json: unknown): ProviderError | undefined {
  if (!isObject(json) || !isObject(json.error)) return undefined;
  const { code, message } = json.error;
  if (typeof code !== 'string' && typeof message !== 'string') return undefined;
  return {
    code: typeof code === 'string' && code !== '' ? code : 'error',
    message: typeof message === 'string' ? message : '',
  };
}

const GUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\s*$/i;

/** The row id in `OData-EntityId: https://…/arrears_cases(<guid>)`. */
export function entityIdOf(header: string | null): string | undefined {
  return header === null ? undefined : GUID.exec(header)?.[1]?.toLowerCase();
}

export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  token_type: z.string().optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswer>;

/** Entra ID's OAuth error `{error, error_description, error_codes}`. */
export function entraErrorOf(json: unknown): ProviderError | undefined {
  if (!isObject(json) || typeof json.error !== 'string') return undefined;
  const description = typeof json.error_description === 'string' ? json.error_description : '';
  // The first line names the AADSTS code; the rest is trace ids.
  return { code: json.error, message: description.split(/\r?\n/)[0] ?? '' };
}

// ---------------------------------------------------------------------------------------
// Hold requests typed by staff into the case row

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * The SPEC 3.1 event a case row's hold request asks for, or null. Its id is the row and its
 * modification instant, so the same row state read twice records one event.
 */
export function holdEventOf(row: Json, rowId: string, today: string): Json | null {
  const request = holdRequestOf(row[COLUMNS.holdRequest]);
  const leaseCase = row[COLUMNS.leaseCase];
  if (request === null || typeof leaseCase !== 'string') return null;
  const at = leaseCase.lastIndexOf(':');
  const leaseId = at > 0 ? leaseCase.slice(0, at) : leaseCase;
  const modified = typeof row.modifiedon === 'string' ? row.modifiedon : today;
  const until = row[COLUMNS.holdUntil];
  return {
    id: `dynamics:${rowId}:${modified}`,
    type: request.kind,
    leaseId,
    date: today,
    hold: request.hold,
    ...(request.kind === 'hold' && typeof until === 'string' && LOCAL_DATE.test(until)
      ? { until: until.slice(0, 10) }
      : {}),
    by: 'dynamics',
    note: `requested in Dynamics 365 (${String(row[COLUMNS.holdRequest])})`,
  };
}

/** What the webhook needs from a RemoteExecutionContext (the rest is ignored). */
export interface ExecutionContext {
  operationId: string | undefined;
  requestId: string | undefined;
  messageName: string | undefined;
  entityName: string | undefined;
  entityId: string | undefined;
}

const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
const guidOr = (v: unknown) =>
  typeof v === 'string' && v !== '' && v !== EMPTY_GUID ? v.toLowerCase() : undefined;

export function executionContextOf(body: unknown): ExecutionContext | null {
  if (!isObject(body)) return null;
  return {
    operationId: guidOr(body.OperationId),
    requestId: guidOr(body.RequestId),
    messageName: typeof body.MessageName === 'string' ? body.MessageName : undefined,
    entityName: typeof body.PrimaryEntityName === 'string' ? body.PrimaryEntityName : undefined,
    entityId: guidOr(body.PrimaryEntityId),
  };
}
