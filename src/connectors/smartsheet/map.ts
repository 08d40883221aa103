/**
 * Case events ↔ Smartsheet rows (pure). Columns are found by title once (reference §13
 * "map column titles to ids once"); a case row's cells are `{columnId, value}`.
 *
 *   case row     Lease | Case | Tenant | Property | Unit | Balance | Stage | Status |
 *                Last action | Updated
 *   lien steps   child rows of a storage unit's case row: the step (`pre-lien · doc`) in the
 *                primary column, Status `Done` / `Failed`, Stage, Updated
 */
import type { CaseEvent } from '../../app/write-back.js';

export const TITLES = {
  lease: 'Lease',
  case: 'Case',
  tenant: 'Tenant',
  property: 'Property',
  unit: 'Unit',
  balance: 'Balance',
  stage: 'Stage',
  status: 'Status',
  lastAction: 'Last action',
  updated: 'Updated',
} as const;
export type Field = keyof typeof TITLES;

/** Field → column id; `lease` and `status` always present. */
export type ColumnMap = Partial<Record<Field, number>> & { lease: number; status: number };

export interface SheetColumn {
  id: number;
  title: string;
  primary?: boolean;
}

export type ColumnMapResult =
  { ok: true; columns: ColumnMap; primary: number } | { ok: false; missing: string[] };

export function columnMapOf(columns: readonly SheetColumn[]): ColumnMapResult {
  const byTitle = new Map(columns.map((c) => [c.title.trim().toLowerCase(), c.id]));
  const out: Partial<Record<Field, number>> = {};
  for (const [field, title] of Object.entries(TITLES) as [Field, string][]) {
    const id = byTitle.get(title.toLowerCase());
    if (id !== undefined) out[field] = id;
  }
  if (out.lease === undefined || out.status === undefined)
    return {
      ok: false,
      missing: [out.lease === undefined && 'Lease', out.status === undefined && 'Status'].filter(
        (x): x is string => typeof x === 'string',
      ),
    };
  const primary = columns.find((c) => c.primary)?.id ?? out.lease;
  return { ok: true, columns: out as ColumnMap, primary };
}

export const OPEN = 'Open';
export const CLOSED = 'Closed';

export interface Cell {
  columnId: number;
  value: string | number;
  strict?: boolean;
}

/** Money in the sheet is in currency units (the ledger keeps integer cents). */
const units = (cents: number) => Math.round(cents) / 100;

function lastActionOf(e: CaseEvent['event']): string {
  switch (e.event) {
    case 'case.opened':
      return 'case opened';
    case 'case.closed':
      return `case closed${e.outcome ? `: ${e.outcome}` : ''}`;
    case 'action.sent':
      return `${e.stage ? `${e.stage} · ` : ''}${e.action ?? 'action'} sent`;
    case 'action.failed':
      return `${e.stage ? `${e.stage} · ` : ''}${e.action ?? 'action'} failed${e.reason ? ` (${e.reason})` : ''}`;
    case 'reply.received':
      return `reply received${e.intent ? ` (${e.intent})` : ''}`;
    case 'case.flagged':
      return `flagged (${e.kind ?? 'flag'})`;
  }
}

/**
 * The case row's cells after `e`. Status moves on open and close (and on a new row) only,
 * so a status staff chose (Dispute …) stays until the case opens or closes.
 */
export function caseCellsOf(e: CaseEvent, cols: ColumnMap, isNew: boolean): Cell[] {
  const ev = e.event;
  const ctx = e.context;
  const cells: Cell[] = [];
  const set = (field: Field, value: string | number | null | undefined) => {
    const columnId = cols[field];
    if (columnId !== undefined && value !== null && value !== undefined)
      cells.push({ columnId, value });
  };
  if (isNew) {
    set('lease', ev.leaseId ?? ctx?.leaseId);
    set('case', ev.caseEpisode);
  }
  if (ev.event === 'case.closed') set('status', CLOSED);
  else if (ev.event === 'case.opened' || isNew) set('status', OPEN);
  if (ctx) {
    set('tenant', ctx.tenant?.name);
    set('property', ctx.property?.name);
    set('unit', ctx.unit);
    set('balance', units(ctx.balanceCents));
  }
  if ((ev.event === 'action.sent' || ev.event === 'action.failed') && ev.stage)
    set('stage', ev.stage);
  set('lastAction', lastActionOf(ev));
  set('updated', ev.occurredAt);
  return cells;
}

export function isLienStep(e: CaseEvent): boolean {
  const ev = e.event;
  return (
    e.context?.property?.kind === 'storage' &&
    (ev.event === 'action.sent' || ev.event === 'action.failed')
  );
}

/** `pre-lien · doc`: a lien step's title, its key under the case row. */
export function stepTitleOf(e: CaseEvent): string {
  const ev = e.event;
  const isAction = ev.event === 'action.sent' || ev.event === 'action.failed';
  return `${(isAction && ev.stage) || 'step'} · ${(isAction && ev.action) || 'action'}`;
}

export function stepCellsOf(
  e: CaseEvent,
  cols: ColumnMap,
  primary: number,
  isNew: boolean,
): Cell[] {
  const ev = e.event;
  const cells: Cell[] = [];
  if (isNew) cells.push({ columnId: primary, value: stepTitleOf(e) });
  cells.push({ columnId: cols.status, value: ev.event === 'action.sent' ? 'Done' : 'Failed' });
  if (cols.stage !== undefined && primary !== cols.stage && 'stage' in ev && ev.stage)
    cells.push({ columnId: cols.stage, value: ev.stage });
  if (cols.updated !== undefined) cells.push({ columnId: cols.updated, value: ev.occurredAt });
  if (ev.event === 'action.failed' && cols.lastAction !== undefined && primary !== cols.lastAction)
    cells.push({ columnId: cols.lastAction, value: lastActionOf(ev) });
  return cells;
}

// ---------------------------------------------------------------------------------------
// Webhook callbacks

export interface Challenge {
  challenge: string;
  webhookId: string | null;
}

const idOf = (v: unknown) =>
  typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : null;

/** The verification request: `Smartsheet-Hook-Challenge` and `{challenge, webhookId}`. */
export function challengeOf(header: string | undefined, body: unknown): Challenge | null {
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const value = header ?? (typeof b.challenge === 'string' ? b.challenge : undefined);
  if (value === undefined || value === '' || 'events' in b) return null;
  return { challenge: value, webhookId: idOf(b.webhookId) };
}

export interface SheetChange {
  objectType: string;
  eventType: string;
  rowId: string | null;
  columnId: string | null;
  userId: string | null;
  timestamp: string | null;
}

export interface Callback {
  webhookId: string | null;
  nonce: string | null;
  scopeObjectId: string | null;
  /** A status callback (`newWebHookStatus`): the webhook was disabled or re-enabled. */
  newStatus: string | null;
  events: SheetChange[];
}

export function callbackOf(body: unknown): Callback | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const events = (Array.isArray(b.events) ? b.events : []).flatMap((x: unknown) => {
    if (x === null || typeof x !== 'object') return [];
    const e = x as Record<string, unknown>;
    return [
      {
        objectType: String(e.objectType ?? ''),
        eventType: String(e.eventType ?? ''),
        rowId: idOf(e.rowId ?? (e.objectType === 'row' ? e.id : undefined)),
        columnId: idOf(e.columnId ?? (e.objectType === 'column' ? e.id : undefined)),
        userId: idOf(e.userId),
        timestamp: typeof e.timestamp === 'string' ? e.timestamp : null,
      },
    ];
  });
  return {
    webhookId: idOf(b.webhookId),
    nonce: typeof b.nonce === 'string' && b.nonce !== '' ? b.nonce : null,
    scopeObjectId: idOf(b.scopeObjectId),
    newStatus: typeof b.newWebHookStatus === 'string' ? b.newWebHookStatus : null,
    events,
  };
}

/** Statuses staff may set on a case row, and the SPEC 3.1 event each records. */
export const STAFF_STATUSES: Readonly<Record<string, Record<string, unknown>>> = {
  dispute: { type: 'dispute' },
  disputed: { type: 'dispute' },
  'on hold': { type: 'hold', hold: 'manual' },
  hold: { type: 'hold', hold: 'manual' },
  flagged: { type: 'flag' },
  flag: { type: 'flag' },
};

export function staffEventOf(
  status: string,
  leaseId: string,
  change: SheetChange,
  id: string,
  receivedAt: string,
): Record<string, unknown> | null {
  const kind = STAFF_STATUSES[status.trim().toLowerCase()];
  if (!kind) return null;
  const at =
    change.timestamp && !Number.isNaN(Date.parse(change.timestamp))
      ? new Date(change.timestamp).toISOString()
      : receivedAt;
  return {
    ...kind,
    leaseId,
    date: at.slice(0, 10),
    at,
    id,
    by: change.userId ? `smartsheet:user:${change.userId}` : 'smartsheet',
    note: `set to ${status} on Smartsheet`,
  };
}
