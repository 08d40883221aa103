/**
 * Case events → sheet rows (pure). Two tabs:
 *
 *   list  lease | tenant | property | unit | balance | stage | status | last action | updated
 *         one row per lease, found by the lease id in column A; `status` is `open` or
 *         `closed` so a reader (or a test) can follow a case through it
 *   log   event id | occurred | event | lease | case | stage | action | detail
 *         one row per case event; the event id first so a replay is recognised
 *
 * Every text cell goes through `guardCell`: a value a spreadsheet (or the CSV someone
 * exports from it) would run as a formula is written with a leading apostrophe.
 */
import type { CaseContext, CaseEvent } from '../../app/write-back.js';

export type Cell = string | number;

export const LIST_HEADER = [
  'lease',
  'tenant',
  'property',
  'unit',
  'balance',
  'stage',
  'status',
  'last action',
  'updated',
] as const;

export const LOG_HEADER = [
  'event id',
  'occurred',
  'event',
  'lease',
  'case',
  'stage',
  'action',
  'detail',
] as const;

const col = (header: readonly string[], name: string) => header.indexOf(name);
export const LIST_COLUMNS = `A:${String.fromCharCode(64 + LIST_HEADER.length)}`;
export const LOG_COLUMNS = `A:${String.fromCharCode(64 + LOG_HEADER.length)}`;

/** `'Action log'!A:H`: sheet names are always quoted, quotes doubled (A1 notation). */
export function a1(sheet: string, cells: string): string {
  return `'${sheet.replace(/'/g, "''")}'!${cells}`;
}

/** `A1:I2`: rows `first`..`last` (1-based) of a tab `width` columns wide. */
export function rowsRange(first: number, last: number, width: number): string {
  return `A${first}:${String.fromCharCode(64 + width)}${last}`;
}

// OWASP "CSV injection": = + - @ start a formula; tab and carriage return do in some readers.
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell safe from formula injection; numbers pass (a negative balance is a number). */
export function guardCell(value: Cell | null | undefined): Cell {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Money in the sheet is in currency units (the ledger's integer cents / 100). */
const units = (cents: number) => Math.round(cents) / 100;

function lastActionOf(e: CaseEvent['event']): string {
  switch (e.event) {
    case 'case.opened':
      return 'case opened';
    case 'case.closed':
      return `case closed${e.outcome ? `: ${e.outcome}` : ''}`;
    case 'action.sent':
      return `${e.action ?? 'action'} sent`;
    case 'action.failed':
      return `${e.action ?? 'action'} failed${e.reason ? ` (${e.reason})` : ''}`;
    case 'reply.received':
      return `reply received${e.intent ? ` (${e.intent})` : ''}`;
    case 'case.flagged':
      return `flagged (${e.kind ?? 'flag'})`;
  }
}

/**
 * The lease's list row after `e`, merged over the row it had (`previous`, as read back):
 * the context refreshes tenant, property, unit and balance; the event moves stage, status
 * and last action. Applying the same event twice gives the same row.
 */
export function listRowOf(e: CaseEvent, previous: readonly unknown[] | undefined): Cell[] {
  const ev = e.event;
  const ctx: CaseContext | null = e.context;
  const prev = (name: string): Cell => {
    const v = previous?.[col(LIST_HEADER, name)];
    return typeof v === 'number' || typeof v === 'string' ? v : '';
  };
  let stage = prev('stage');
  let status = prev('status') === '' ? 'open' : prev('status');
  if (ev.event === 'case.opened') {
    stage = '';
    status = 'open';
  } else if (ev.event === 'case.closed') status = 'closed';
  else if ((ev.event === 'action.sent' || ev.event === 'action.failed') && ev.stage)
    stage = ev.stage;
  const row: Record<(typeof LIST_HEADER)[number], Cell | null> = {
    lease: ev.leaseId ?? ctx?.leaseId ?? prev('lease'),
    tenant: ctx?.tenant?.name ?? prev('tenant'),
    property: ctx?.property?.name ?? prev('property'),
    unit: ctx?.unit ?? prev('unit'),
    balance: ctx ? units(ctx.balanceCents) : prev('balance'),
    stage,
    status,
    'last action': lastActionOf(ev),
    updated: ev.occurredAt,
  };
  return LIST_HEADER.map((name) => guardCell(row[name]));
}

function detailOf(e: CaseEvent['event']): string {
  switch (e.event) {
    case 'case.opened':
      return [e.openedOn && `opened ${e.openedOn}`, e.policyId && `policy ${e.policyId}`]
        .filter(Boolean)
        .join(', ');
    case 'case.closed':
      return e.outcome ?? '';
    case 'action.sent':
      return e.provider ? `via ${e.provider}` : '';
    case 'action.failed':
      return [e.reason, e.errorCode && `code ${e.errorCode}`].filter(Boolean).join(', ');
    case 'reply.received':
      return [e.channel, e.intent].filter(Boolean).join(', ');
    case 'case.flagged':
      return e.kind ?? 'flag';
  }
}

export function logRowOf(e: CaseEvent): Cell[] {
  const ev = e.event;
  const isAction = ev.event === 'action.sent' || ev.event === 'action.failed';
  const row: Record<(typeof LOG_HEADER)[number], Cell | null> = {
    'event id': ev.id,
    occurred: ev.occurredAt,
    event: ev.event,
    lease: ev.leaseId,
    case: ev.caseEpisode,
    stage: isAction ? ev.stage : null,
    action: isAction ? ev.action : null,
    detail: detailOf(ev),
  };
  return LOG_HEADER.map((name) => guardCell(row[name]));
}

/** The 1-based sheet row holding `leaseId` in column A (the header is row 1), if any. */
export function rowOfLease(
  values: readonly (readonly unknown[])[],
  leaseId: string,
): number | null {
  const key = guardCell(leaseId);
  for (let i = 1; i < values.length; i++) if (values[i]?.[0] === key) return i + 1;
  return null;
}
