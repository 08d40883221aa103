/**
 * Case events ↔ monday.com board items (pure). Column values are sent as monday expects
 * them in `column_values` (a JSON string keyed by column id, reference §12): status
 * `{"label":"Open"}`, text as a plain string, numbers as a decimal string.
 *
 * Back from the board: a webhook's status change on a case item to one of a few labels is
 * a staff decision Arrears records (`STAFF_LABELS`).
 */
import type { CaseEvent } from '../../app/write-back.js';

export const OPEN_LABEL = 'Open';
export const CLOSED_LABEL = 'Closed';

/** Column ids from the settings; the optional ones are not written when unset. */
export interface BoardColumns {
  lease: string;
  status: string;
  case?: string;
  tenant?: string;
  property?: string;
  unit?: string;
  balance?: string;
  stage?: string;
  lastAction?: string;
}

export type ColumnValues = Record<string, unknown>;

/** Money on the board is in currency units with two decimals (the ledger keeps cents). */
const units = (cents: number) => (cents / 100).toFixed(2);

export function lastActionOf(e: CaseEvent['event']): string {
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
 * The columns `e` sets. Status moves only on open and close (and on a new item), so a
 * label staff chose (Dispute …) stays until the case opens or closes.
 */
export function columnValuesOf(e: CaseEvent, cols: BoardColumns, isNew: boolean): ColumnValues {
  const ev = e.event;
  const ctx = e.context;
  const out: ColumnValues = {};
  const set = (id: string | undefined, value: unknown) => {
    if (id !== undefined && value !== undefined && value !== null) out[id] = value;
  };
  const leaseId = ev.leaseId ?? ctx?.leaseId;
  if (isNew) set(cols.lease, leaseId);
  if (isNew && ev.caseEpisode !== null) set(cols.case, String(ev.caseEpisode));
  if (ev.event === 'case.closed') set(cols.status, { label: CLOSED_LABEL });
  else if (ev.event === 'case.opened' || isNew) set(cols.status, { label: OPEN_LABEL });
  if (ctx) {
    set(cols.tenant, ctx.tenant?.name);
    set(cols.property, ctx.property?.name);
    set(cols.unit, ctx.unit);
    set(cols.balance, units(ctx.balanceCents));
  }
  if ((ev.event === 'action.sent' || ev.event === 'action.failed') && ev.stage)
    set(cols.stage, ev.stage);
  set(cols.lastAction, lastActionOf(ev));
  return out;
}

/** `L1 · Ana Ruiz · 12B`: what staff read on the board (items are found by column, not name). */
export function itemNameOf(e: CaseEvent): string {
  const ctx = e.context;
  const parts = [
    e.event.leaseId ?? ctx?.leaseId ?? 'lease',
    ctx?.tenant?.name,
    ctx?.unit,
    e.event.caseEpisode !== null && e.event.caseEpisode > 1 ? `case ${e.event.caseEpisode}` : null,
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.join(' · ').slice(0, 255);
}

// ---------------------------------------------------------------------------------------
// The lien checklist of a storage unit: one update per step on the case item.

export function isLienStep(e: CaseEvent): boolean {
  const ev = e.event;
  return (
    e.context?.property?.kind === 'storage' &&
    (ev.event === 'action.sent' || ev.event === 'action.failed')
  );
}

/** The text an update carries so a replay finds it. */
export const markerOf = (eventId: string) => `arrears ref ${eventId}`;

const html = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function lienUpdateBodyOf(e: CaseEvent): string {
  const ev = e.event;
  if (ev.event !== 'action.sent' && ev.event !== 'action.failed') return '';
  const done = ev.event === 'action.sent';
  const step = `<b>${html(ev.stage ?? 'step')}</b> · ${html(ev.action ?? 'action')}`;
  const when = ev.occurredAt.slice(0, 10);
  const what = done ? `done ${when}` : `failed ${when}${ev.reason ? ` (${html(ev.reason)})` : ''}`;
  return `<p>${done ? '☑' : '☐'} Lien step ${step} — ${what}</p><p>${markerOf(ev.id)}</p>`;
}

// ---------------------------------------------------------------------------------------
// Webhooks

export interface MondayEvent {
  type: string;
  pulseId: string;
  boardId: string | null;
  columnId: string | null;
  /** The status label text after the change, for status columns. */
  label: string | null;
  userId: string | null;
  triggerUuid: string | null;
  /** ISO instant of the change. */
  at: string | null;
}

const idOf = (v: unknown) =>
  typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : null;

/** `{"challenge":"…"}`, the URL verification monday sends when a webhook is created. */
export function challengeOf(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const c = (body as { challenge?: unknown }).challenge;
  return typeof c === 'string' && !('event' in body) ? c : null;
}

function labelOf(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return null;
  const label = (value as { label?: unknown }).label;
  if (typeof label === 'string') return label;
  if (label !== null && typeof label === 'object') {
    const text = (label as { text?: unknown }).text;
    return typeof text === 'string' ? text : null;
  }
  return null;
}

/** `{"event":{type, pulseId, columnId, value, triggerUuid, changedAt …}}` (reference §12 ~). */
export function mondayEventOf(body: unknown): MondayEvent | null {
  if (body === null || typeof body !== 'object') return null;
  const e = (body as { event?: unknown }).event;
  if (e === null || typeof e !== 'object') return null;
  const ev = e as Record<string, unknown>;
  const pulseId = idOf(ev.pulseId ?? ev.itemId);
  if (typeof ev.type !== 'string' || pulseId === null) return null;
  const changedAt = typeof ev.changedAt === 'number' ? new Date(ev.changedAt * 1000) : null;
  const triggerTime = typeof ev.triggerTime === 'string' ? new Date(ev.triggerTime) : null;
  const at = [changedAt, triggerTime].find((d) => d !== null && !Number.isNaN(d.getTime()));
  return {
    type: ev.type,
    pulseId,
    boardId: idOf(ev.boardId),
    columnId: typeof ev.columnId === 'string' ? ev.columnId : null,
    label: labelOf(ev.value),
    userId: idOf(ev.userId),
    triggerUuid:
      typeof ev.triggerUuid === 'string' && ev.triggerUuid !== '' ? ev.triggerUuid : null,
    at: at ? at.toISOString() : null,
  };
}

/** Status labels staff may set on a case item, and the SPEC 3.1 event each records. */
export const STAFF_LABELS: Readonly<Record<string, Record<string, unknown>>> = {
  dispute: { type: 'dispute' },
  disputed: { type: 'dispute' },
  'on hold': { type: 'hold', hold: 'manual' },
  hold: { type: 'hold', hold: 'manual' },
  flagged: { type: 'flag' },
  flag: { type: 'flag' },
};

/** The portfolio event a staff status change records, or null (Open, Closed, other labels). */
export function staffEventOf(
  ev: MondayEvent,
  leaseId: string,
  eventId: string,
  receivedAt: string,
): Record<string, unknown> | null {
  const kind = ev.label === null ? undefined : STAFF_LABELS[ev.label.trim().toLowerCase()];
  if (!kind) return null;
  const at = ev.at ?? receivedAt;
  return {
    ...kind,
    leaseId,
    date: at.slice(0, 10),
    at,
    id: `monday-${eventId}`,
    by: ev.userId ? `monday:user:${ev.userId}` : 'monday',
    note: `set to ${ev.label} on monday.com`,
  };
}
