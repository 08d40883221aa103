/**
 * Freshdesk mapping (pure): which case events open a ticket, the ticket and note bodies,
 * business-day due dates, the lookups that find a lease's ticket again, Freshdesk's error
 * body, and the automation webhook body.
 */
import type { CaseContext, CaseEvent } from '../../app/write-back.js';
import { formatMoney } from '../../domain/templates/render.js';

/** The custom ticket field holding the lease id (ticket field `arrears_lease_id`). */
export const LEASE_FIELD = 'cf_arrears_lease_id';
/** Marks notes Arrears wrote, so the automation webhook does not echo them back. */
export const NOTE_MARK = '[Arrears]';

export const STATUS = { open: 2, pending: 3, resolved: 4, closed: 5 } as const;
export const PRIORITY = { low: 1, medium: 2, high: 3, urgent: 4 } as const;
/** `source` 2 = Portal: the API-created tickets of an integration. */
export const SOURCE_PORTAL = 2;

export type TicketKind = 'dispute' | 'at_risk';

/**
 * The events that open a ticket. A dispute is a reply classified `dispute`; an at-risk flag
 * (a `flag` event or a tenant status `at_risk`) is published as `case.flagged`.
 */
export function ticketKindOf(event: { event: string; intent?: string | null }): TicketKind | null {
  if (event.event === 'reply.received' && event.intent === 'dispute') return 'dispute';
  if (event.event === 'case.flagged') return 'at_risk';
  return null;
}

export interface Requester {
  email?: string;
  phone?: string;
  name?: string;
}

/** The tenant as requester (e-mail, else phone with name), else the configured fallback. */
export function requesterOf(context: CaseContext | null, fallbackEmail?: string): Requester | null {
  const t = context?.tenant;
  if (t?.email) return { email: t.email, name: t.name };
  if (t?.phone) return { phone: t.phone, name: t.name };
  return fallbackEmail ? { email: fallbackEmail } : null;
}

/** `instant` moved `days` business days (Mon–Fri, UTC) later, at the same time of day. */
export function addBusinessDays(instant: string, days: number): string {
  const d = new Date(instant);
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const KIND_TITLE: Record<TicketKind, string> = {
  dispute: 'Dispute',
  at_risk: 'At-risk tenant',
};

export interface TicketSettings {
  dueDays: Record<TicketKind, number>;
  groupId?: number;
}

/** `POST /tickets`: one ticket per lease while open, found again by the custom field. */
export function ticketBodyOf(
  kind: TicketKind,
  e: CaseEvent,
  requester: Requester,
  settings: TicketSettings,
): Record<string, unknown> {
  const { event, context } = e;
  const leaseId = event.leaseId!;
  const where = [
    context?.unit ? `unit ${context.unit}` : null,
    context?.property?.name ?? null,
  ].filter((s): s is string => s !== null);
  const lines = [
    `${KIND_TITLE[kind]} raised on lease ${leaseId}${where.length ? ` (${where.join(', ')})` : ''}.`,
    context?.tenant ? `Tenant: ${context.tenant.name} (${context.tenant.id})` : null,
    context ? `Balance: ${formatMoney(context.balanceCents)}` : null,
    event.event === 'reply.received' && event.channel ? `Received by ${event.channel}.` : null,
    `Case episode ${event.caseEpisode ?? '?'}; Arrears event ${event.id}.`,
  ].filter((s): s is string => s !== null);
  return {
    subject: `${KIND_TITLE[kind]}: lease ${leaseId}${where.length ? ` - ${where.join(', ')}` : ''}`,
    description: lines.map((l) => `<p>${esc(l)}</p>`).join(''),
    ...requester,
    status: STATUS.open,
    priority: kind === 'dispute' ? PRIORITY.high : PRIORITY.urgent,
    source: SOURCE_PORTAL,
    tags: ['arrears', `arrears-${kind.replace('_', '-')}`],
    custom_fields: { [LEASE_FIELD]: leaseId },
    fr_due_by: addBusinessDays(event.occurredAt, 1),
    due_by: addBusinessDays(event.occurredAt, settings.dueDays[kind]),
    ...(settings.groupId !== undefined ? { group_id: settings.groupId } : {}),
  };
}

/** A private note for a later event of the lease; the event id makes a replay detectable. */
export function noteBodyOf(e: CaseEvent): { body: string; private: true } {
  const ev = e.event;
  let what: string;
  switch (ev.event) {
    case 'action.sent':
    case 'action.failed':
      what = `${ev.event === 'action.sent' ? 'Sent' : 'Failed'}: ${ev.stage ?? '?'} / ${ev.action ?? '?'}${ev.provider ? ` via ${ev.provider}` : ''}${ev.reason ? ` (${ev.reason}${ev.errorCode ? ` ${ev.errorCode}` : ''})` : ''}`;
      break;
    case 'reply.received':
      what = `Tenant replied${ev.channel ? ` by ${ev.channel}` : ''}: intent ${ev.intent ?? 'unknown'}`;
      break;
    case 'case.opened':
      what = `Case episode ${ev.caseEpisode ?? '?'} opened${ev.openedOn ? ` on ${ev.openedOn}` : ''}`;
      break;
    case 'case.closed':
      what = `Case closed${ev.closedOn ? ` on ${ev.closedOn}` : ''}: ${ev.outcome ?? 'closed'}`;
      break;
    case 'case.flagged':
      what = `Lease flagged (${ev.kind ?? 'flag'})${ev.flaggedOn ? ` on ${ev.flaggedOn}` : ''}`;
      break;
  }
  const balance = e.context ? ` Balance ${formatMoney(e.context.balanceCents)}.` : '';
  return {
    body: `<p>${esc(`${NOTE_MARK} ${what}.${balance}`)}</p><p>${esc(`event ${ev.id} at ${ev.occurredAt}`)}</p>`,
    private: true,
  };
}

export interface FdTicket {
  id: number;
  status: number;
  description?: string;
  custom_fields?: Record<string, unknown>;
}

export function ticketsOf(json: unknown): FdTicket[] {
  const list = Array.isArray(json)
    ? json
    : Array.isArray((json as { results?: unknown })?.results)
      ? (json as { results: unknown[] }).results
      : [];
  return list.filter(
    (t): t is FdTicket =>
      t !== null &&
      typeof t === 'object' &&
      typeof (t as FdTicket).id === 'number' &&
      typeof (t as FdTicket).status === 'number',
  );
}

export const isOpen = (t: FdTicket) => t.status === STATUS.open || t.status === STATUS.pending;

export const isLeaseTicket = (leaseId: string) => (t: FdTicket) =>
  t.custom_fields?.[LEASE_FIELD] === leaseId;

/** `GET /search/tickets?query="…"`: the lease's open tickets (the index lags minutes). */
export function searchQueryOf(leaseId: string): string {
  const v = leaseId.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `"${LEASE_FIELD}:'${v}' AND (status:${STATUS.open} OR status:${STATUS.pending})"`;
}

/** Every open ticket Arrears opened (its tag), for the index read once per process. */
export const OPEN_ARREARS_QUERY = `"tag:'arrears' AND (status:${STATUS.open} OR status:${STATUS.pending})"`;

export function conversationTextsOf(json: unknown): string[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((c) => {
    const b = (c as { body?: unknown; body_text?: unknown } | null) ?? {};
    return [b.body, b.body_text].filter((s): s is string => typeof s === 'string');
  });
}

/** `{description, errors: [{field, message, code}]}` (or `{code, message}` for auth). */
export function freshdeskErrorOf(json: unknown): { code: string; message: string } | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const b = json as { description?: unknown; errors?: unknown; code?: unknown; message?: unknown };
  if (Array.isArray(b.errors) && b.errors.length > 0) {
    const first = b.errors[0] as { field?: unknown; message?: unknown; code?: unknown };
    const parts = (b.errors as { field?: unknown; message?: unknown }[]).map(
      (e) => `${typeof e.field === 'string' ? `${e.field}: ` : ''}${String(e.message ?? '')}`,
    );
    return {
      code: typeof first.code === 'string' ? first.code : 'invalid_value',
      message: `${typeof b.description === 'string' ? `${b.description}: ` : ''}${parts.join('; ')}`,
    };
  }
  if (typeof b.code === 'string')
    return { code: b.code, message: typeof b.message === 'string' ? b.message : b.code };
  if (typeof b.description === 'string') return { code: 'error', message: b.description };
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Automation webhook

/**
 * The body the automation rule is told to send (content "Advanced", JSON):
 *   {"freshdesk_webhook": {"ticket_id": {{ticket.id}},
 *     "ticket_cf_arrears_lease_id": "{{ticket.cf_arrears_lease_id}}",
 *     "ticket_status": "{{ticket.status}}",
 *     "ticket_latest_private_comment": "{{ticket.latest_private_comment}}"}}
 */
export interface StaffNote {
  ticketId: string;
  leaseId: string | null;
  status: string | null;
  note: string | null;
}

const str = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null;

export function staffNoteOf(body: unknown): StaffNote | null {
  const w = (body as { freshdesk_webhook?: unknown } | null)?.freshdesk_webhook;
  if (w === null || typeof w !== 'object') return null;
  const f = w as Record<string, unknown>;
  const ticketId = str(f.ticket_id);
  if (ticketId === null) return null;
  return {
    ticketId,
    leaseId: str(f.ticket_cf_arrears_lease_id),
    status: str(f.ticket_status),
    note: str(f.ticket_latest_private_comment),
  };
}
