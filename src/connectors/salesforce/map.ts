/**
 * Salesforce's shapes, both ways (pure): a case event and its lease → the Case's fields and
 * the event's Task; a policy `writeback` action's fields → the Case; Salesforce's answers
 * (the error array, the token answer, upsert and query results) → ours.
 */
import type { OutboxItem } from '../../app/ports/outbox.js';
import type { PublicEvent } from '../../app/publish-events.js';
import type { CaseContext } from '../../app/write-back.js';
import type { ProviderResponse } from '../http.js';
import type { ProviderError } from '../outcomes.js';

/** The Case's external id field: `<leaseId>:<episode>`. */
export const EXTERNAL_ID_FIELD = 'Arrears_Lease_Case__c';
export const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export type Fields = Record<string, string>;

export function caseExternalIdOf(leaseId: string, episode: number): string {
  return `${leaseId}:${episode}`;
}

/** Integer cents → `1,500.00` (no floating point). */
export function amountOf(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(cents));
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${whole}.${String(abs % 100).padStart(2, '0')}`;
}

const day = (iso: string) => iso.slice(0, 10);

function descriptionOf(event: PublicEvent, context: CaseContext | null): string | undefined {
  const balance = context ? ` Balance ${amountOf(context.balanceCents)}.` : '';
  switch (event.event) {
    case 'case.opened':
      return `Arrears case opened ${event.openedOn ?? day(event.occurredAt)}.${balance}`;
    case 'action.sent':
    case 'action.failed':
      return `Stage ${event.stage ?? '?'}: ${event.action ?? 'action'} ${event.status} ${day(event.occurredAt)}.${balance}`;
    case 'case.closed':
      return `Closed ${event.closedOn ?? day(event.occurredAt)}: ${event.outcome ?? 'closed'}.${balance}`;
    case 'reply.received':
      return undefined;
  }
}

/**
 * The Case fields an event writes. Every upsert carries the fields a new Case needs, so an
 * event finds its Case whether or not `case.opened` was written (an onboarded case);
 * Status moves only on open, action sent and close, so a status a person set in between
 * is kept by failures and replies.
 */
export function caseFieldsOf(
  event: PublicEvent,
  context: CaseContext | null,
  origin: string,
): Fields {
  const f: Fields = { Origin: origin };
  if (context) {
    const where = context.property ? ` · ${context.property.name} ${context.unit}` : '';
    f.Subject = `Arrears: lease ${context.leaseId}${where}`;
    if (context.tenant) {
      f.SuppliedName = context.tenant.name;
      if (context.tenant.email) f.SuppliedEmail = context.tenant.email;
      if (context.tenant.phone) f.SuppliedPhone = context.tenant.phone;
    }
  }
  const description = descriptionOf(event, context);
  if (description !== undefined) f.Description = description;
  if (event.event === 'case.opened') Object.assign(f, { Status: 'New', Priority: 'Medium' });
  if (event.event === 'action.sent') f.Status = 'Working';
  if (event.event === 'case.closed') f.Status = 'Closed';
  return f;
}

export function markerOf(eventId: string): string {
  return `[arrears ${eventId}]`;
}

/** The Task an event adds on its Case (null for opened / closed); codes only, no bodies. */
export function taskOf(event: PublicEvent, caseId: string): Fields | null {
  const base = { ActivityDate: day(event.occurredAt), WhatId: caseId };
  const mark = markerOf(event.id);
  switch (event.event) {
    case 'action.sent':
      return {
        Subject: `Arrears: ${event.action ?? 'action'} sent (${event.stage ?? '?'})`,
        Status: 'Completed',
        Priority: 'Normal',
        ...base,
        Description: `Sent${event.provider ? ` via ${event.provider}` : ''}. ${mark}`,
      };
    case 'reply.received':
      return {
        Subject: `Arrears: tenant replied (${event.intent ?? 'unknown'})`,
        Status: 'Completed',
        Priority: 'Normal',
        ...base,
        Description: `Reply by ${event.channel ?? '?'}, intent ${event.intent ?? 'unknown'}. ${mark}`,
      };
    case 'action.failed':
      return {
        Subject: `Arrears: ${event.action ?? 'action'} failed (${event.stage ?? '?'})`,
        Status: 'Not Started',
        Priority: 'High',
        ...base,
        Description: `Reason: ${event.reason ?? 'unknown'}${event.errorCode ? ` (${event.errorCode})` : ''}. Follow up with the tenant. ${mark}`,
      };
    default:
      return null;
  }
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

/** A policy `writeback` action's fields, checked: API names, string values, not the key. */
export function writebackFieldsOf(
  item: OutboxItem,
): { ok: true; fields: Fields } | { ok: false; reason: string } {
  const raw = item.payload.fields;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, reason: 'the writeback action has no fields' };
  const fields: Fields = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!FIELD_NAME.test(k)) return { ok: false, reason: `\`${k}\` is not a field API name` };
    if (k === EXTERNAL_ID_FIELD) return { ok: false, reason: `${k} is the Case's key` };
    if (typeof v !== 'string') return { ok: false, reason: `\`${k}\` must be text` };
    fields[k] = v;
  }
  if (Object.keys(fields).length === 0)
    return { ok: false, reason: 'the writeback action has no fields' };
  return { ok: true, fields };
}

// ---------------------------------------------------------------------------------------
// Answers

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * REST errors are an array `[{message, errorCode, fields}]`; the token endpoint answers
 * `{error, error_description}`.
 */
export function errorOf(res: ProviderResponse): ProviderError | undefined {
  const b = res.json;
  if (Array.isArray(b)) {
    const first = b[0] as { message?: unknown; errorCode?: unknown; fields?: unknown } | undefined;
    const code = text(first?.errorCode);
    if (code === undefined) return undefined;
    const fields = Array.isArray(first?.fields)
      ? ` [${(first.fields as string[]).join(', ')}]`
      : '';
    return { code, message: `${text(first?.message) ?? code}${fields}` };
  }
  const t = b as { error?: unknown; error_description?: unknown } | undefined;
  const code = text(t?.error);
  return code ? { code, message: text(t?.error_description) ?? code } : undefined;
}

export const isInvalidSession = (res: ProviderResponse) =>
  res.status === 401 && (errorOf(res)?.code ?? 'INVALID_SESSION_ID') === 'INVALID_SESSION_ID';

export const isLimitExceeded = (res: ProviderResponse) =>
  res.status === 403 && errorOf(res)?.code === 'REQUEST_LIMIT_EXCEEDED';

export interface Session {
  accessToken: string;
  /** Where API calls go (`https://yourorg.my.salesforce.com`), without a trailing slash. */
  instanceUrl: string;
}

export function sessionOf(json: unknown): Session | undefined {
  const b = json as { access_token?: unknown; instance_url?: unknown } | undefined;
  const accessToken = text(b?.access_token);
  const instanceUrl = text(b?.instance_url);
  if (!accessToken || !instanceUrl || !/^https?:\/\//.test(instanceUrl)) return undefined;
  return { accessToken, instanceUrl: instanceUrl.replace(/\/+$/, '') };
}

/** `{id, success, errors, created}` of an upsert or create. */
export function recordIdOf(json: unknown): string | undefined {
  return (
    text((json as { id?: unknown; Id?: unknown } | undefined)?.id) ??
    text((json as { Id?: unknown } | undefined)?.Id)
  );
}

/** A Salesforce id, safe inside a SOQL literal. */
export const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export interface QueryPage {
  records: Record<string, unknown>[];
  done: boolean;
  nextRecordsUrl?: string;
}

export function queryPageOf(json: unknown): QueryPage | undefined {
  const b = json as { records?: unknown; done?: unknown; nextRecordsUrl?: unknown } | undefined;
  if (!Array.isArray(b?.records)) return undefined;
  return {
    records: b.records as Record<string, unknown>[],
    done: b.done !== false,
    ...(text(b.nextRecordsUrl) ? { nextRecordsUrl: text(b.nextRecordsUrl) } : {}),
  };
}
