/**
 * HubSpot's shapes, both ways (pure): a case event and its lease → the deal's properties,
 * the tenant's contact, the note or task of the event; HubSpot's error body → our error.
 */
import type { PublicEvent } from '../../app/publish-events.js';
import type { CaseContext } from '../../app/write-back.js';
import type { ProviderResponse } from '../http.js';
import type { ProviderError } from '../outcomes.js';

/** The unique deal property a lease's deal is upserted by. */
export const LEASE_ID_PROPERTY = 'arrears_lease_id';
/** The last event written to the deal: a replay of it (or an older one) writes nothing. */
export const LAST_EVENT_PROPERTY = 'arrears_last_event_id';

/** The custom deal properties the sink writes (created in HubSpot before use). */
export const DEAL_PROPERTIES = [
  LEASE_ID_PROPERTY,
  'arrears_status',
  'arrears_episode',
  'arrears_stage',
  'arrears_last_action',
  'arrears_outcome',
  LAST_EVENT_PROPERTY,
] as const;

/** Default association type ids (reference §5: note→deal 214, note→contact 202 …). */
export const ASSOCIATION_TYPE = {
  note: { deals: 214, contacts: 202 },
  task: { deals: 216, contacts: 204 },
} as const;

export interface DealStages {
  pipeline: string;
  open: string;
  paid: string;
  closed: string;
}

export type Properties = Record<string, string>;

/** `evt_<org>_<seq>` → seq (audit order); NaN for anything else. */
export function seqOf(eventId: string): number {
  const m = /_(\d+)$/.exec(eventId);
  return m ? Number(m[1]) : Number.NaN;
}

/** Integer cents → HubSpot's decimal currency string (`-12.05`), without floating point. */
export function decimalOf(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function dealNameOf(context: CaseContext): string {
  const where = context.property
    ? `${context.property.name} ${context.unit}`
    : `lease ${context.leaseId}`;
  return `Arrears · ${where}`;
}

/** What the event changes on the lease's deal (every value a string, as HubSpot takes them). */
export function dealPropertiesOf(
  event: PublicEvent,
  context: CaseContext | null,
  stages: DealStages,
  /** No deal exists for the lease yet (a case onboarded without a `case.opened`). */
  creating: boolean,
): Properties {
  const p: Properties = { [LEASE_ID_PROPERTY]: event.leaseId!, [LAST_EVENT_PROPERTY]: event.id };
  if (context) {
    p.dealname = dealNameOf(context);
    p.amount = decimalOf(context.balanceCents);
  }
  if (event.caseEpisode !== null) p.arrears_episode = String(event.caseEpisode);
  switch (event.event) {
    case 'case.opened':
      // A new episode reuses the lease's deal: what the last one left behind is cleared.
      Object.assign(p, {
        arrears_status: 'open',
        dealstage: stages.open,
        arrears_stage: '',
        arrears_last_action: '',
        arrears_outcome: '',
      });
      break;
    case 'action.sent':
    case 'action.failed':
      if (event.stage !== null) p.arrears_stage = event.stage;
      p.arrears_last_action = `${event.action ?? 'action'} ${event.status}`;
      break;
    case 'case.closed':
      Object.assign(p, {
        arrears_status: 'closed',
        arrears_outcome: event.outcome ?? 'closed',
        dealstage: event.outcome === 'paid' ? stages.paid : stages.closed,
      });
      if (event.closedOn !== null) p.closedate = `${event.closedOn}T00:00:00.000Z`;
      break;
    case 'reply.received':
      break;
  }
  if (creating && p.dealstage === undefined)
    Object.assign(p, { arrears_status: 'open', dealstage: stages.open });
  // A stage belongs to a pipeline: both go together, and only when the case moves.
  if (p.dealstage !== undefined) p.pipeline = stages.pipeline;
  return p;
}

/** The tenant as a contact, upserted by e-mail (HubSpot's unique contact property). */
export function contactInputOf(context: CaseContext | null) {
  const t = context?.tenant;
  if (!t?.email) return null;
  const space = t.name.trim().indexOf(' ');
  const properties: Properties = {
    email: t.email,
    firstname: space < 0 ? t.name.trim() : t.name.trim().slice(0, space),
    lastname: space < 0 ? '' : t.name.trim().slice(space + 1),
  };
  if (t.phone) properties.phone = t.phone;
  return { idProperty: 'email', id: t.email, properties };
}

/** The text that ties a note or task to its event, found again after a lost answer. */
export function markerOf(eventId: string): string {
  return `[arrears ${eventId}]`;
}

export interface Engagement {
  kind: 'note' | 'task';
  properties: Properties;
}

/**
 * The note (an action sent, a reply) or task (a failed action: someone should follow up)
 * an event adds; null for case opened / closed, which only change the deal. Codes and
 * names only: never a message body.
 */
export function engagementOf(event: PublicEvent): Engagement | null {
  const mark = markerOf(event.id);
  const at = event.occurredAt;
  switch (event.event) {
    case 'action.sent':
      return {
        kind: 'note',
        properties: {
          hs_timestamp: at,
          hs_note_body: `Arrears: ${event.action ?? 'action'} sent at stage ${event.stage ?? '?'}${event.provider ? ` via ${event.provider}` : ''}. ${mark}`,
        },
      };
    case 'reply.received':
      return {
        kind: 'note',
        properties: {
          hs_timestamp: at,
          hs_note_body: `Arrears: the tenant replied${event.channel ? ` by ${event.channel}` : ''} (intent: ${event.intent ?? 'unknown'}). ${mark}`,
        },
      };
    case 'action.failed':
      return {
        kind: 'task',
        properties: {
          hs_timestamp: at,
          hs_task_subject: `Arrears: ${event.action ?? 'action'} failed at stage ${event.stage ?? '?'}`,
          hs_task_body: `Reason: ${event.reason ?? 'unknown'}${event.errorCode ? ` (${event.errorCode})` : ''}. Follow up with the tenant. ${mark}`,
          hs_task_status: 'NOT_STARTED',
          hs_task_priority: 'HIGH',
          hs_task_type: 'TODO',
        },
      };
    default:
      return null;
  }
}

/** The body property an engagement's marker is in. */
export const BODY_PROPERTY = { note: 'hs_note_body', task: 'hs_task_body' } as const;

export function associationsOf(kind: 'note' | 'task', dealId: string, contactId: string | null) {
  const types = ASSOCIATION_TYPE[kind];
  const to = (id: string, typeId: number) => ({
    to: { id },
    types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId }],
  });
  return [to(dealId, types.deals), ...(contactId !== null ? [to(contactId, types.contacts)] : [])];
}

// ---------------------------------------------------------------------------------------
// Answers

/**
 * HubSpot's 429 carries X-HubSpot-RateLimit-* headers, no Retry-After: a spent daily
 * allowance waits an hour (longer than a call sleeps, so the stream holds); the rolling
 * 10-second window is left to the backoff.
 */
export function rateLimitWaitMs(headers: Headers): number | null {
  return headers.get('x-hubspot-ratelimit-daily-remaining') === '0' ? 3_600_000 : null;
}

interface ErrorBody {
  status?: unknown;
  message?: unknown;
  category?: unknown;
  errors?: { message?: unknown; code?: unknown }[];
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * `{status:"error", message, correlationId, category, errors:[{message, code}]}` (every
 * field optional); the OAuth endpoint answers `{status:"BAD_REFRESH_TOKEN", message}`.
 */
export function errorOf(res: ProviderResponse): ProviderError | undefined {
  const b = (res.json ?? {}) as ErrorBody;
  if (typeof b !== 'object' || b === null) return undefined;
  const first = Array.isArray(b.errors) ? b.errors[0] : undefined;
  const status = text(b.status);
  const code =
    text(b.category) ?? text(first?.code) ?? (status && status !== 'error' ? status : undefined);
  const message = text(first?.message) ?? text(b.message);
  if (code === undefined && message === undefined) return undefined;
  return { code: code ?? String(res.status), message: message ?? `HTTP ${res.status}` };
}

/** A 207 multi-status batch answer carries its failures in `errors`. */
export function batchErrorOf(res: ProviderResponse): ProviderError | undefined {
  const b = res.json as ErrorBody | undefined;
  const first = Array.isArray(b?.errors) ? b.errors[0] : undefined;
  if (!first) return undefined;
  return {
    code: text(first.code) ?? text(b?.status) ?? String(res.status),
    message: text(first.message) ?? 'batch input failed',
  };
}

export interface DealRecord {
  id: string;
  properties: Record<string, string | null>;
  /** Ids of the notes and tasks associated with the deal. */
  notes: string[];
  tasks: string[];
}

const idsOf = (assoc: unknown): string[] => {
  const results = (assoc as { results?: { id?: unknown }[] } | undefined)?.results;
  return Array.isArray(results)
    ? results.flatMap((r) =>
        typeof r.id === 'string' || typeof r.id === 'number' ? [String(r.id)] : [],
      )
    : [];
};

/** `GET …/deals/{id}?associations=notes,tasks` read into a DealRecord. */
export function dealRecordOf(json: unknown): DealRecord | undefined {
  const b = json as {
    id?: unknown;
    properties?: Record<string, string | null>;
    associations?: { notes?: unknown; tasks?: unknown };
  };
  if (b === null || typeof b !== 'object' || (typeof b.id !== 'string' && typeof b.id !== 'number'))
    return undefined;
  return {
    id: String(b.id),
    properties: b.properties ?? {},
    notes: idsOf(b.associations?.notes),
    tasks: idsOf(b.associations?.tasks),
  };
}

/** The first result's id of a batch answer (`{status, results:[{id, properties, new}]}`). */
export function batchIdOf(json: unknown): string | undefined {
  const first = (json as { results?: { id?: unknown }[] } | undefined)?.results?.[0];
  const id = first?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

// ---------------------------------------------------------------------------------------
// Webhook events

export interface HubSpotEvent {
  eventId: string;
  portalId: string | null;
  subscriptionType: string;
  objectId: string | null;
  propertyName: string | null;
  occurredAt: number | null;
}

const idText = (v: unknown) =>
  typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : null;

/** The array of events of a webhook body; null when it is not one. */
export function hubSpotEventsOf(body: unknown): HubSpotEvent[] | null {
  if (!Array.isArray(body)) return null;
  const events: HubSpotEvent[] = [];
  for (const e of body as Record<string, unknown>[]) {
    if (e === null || typeof e !== 'object') return null;
    const eventId = idText(e.eventId);
    if (eventId === null) return null;
    events.push({
      eventId,
      portalId: idText(e.portalId),
      subscriptionType: typeof e.subscriptionType === 'string' ? e.subscriptionType : 'unknown',
      objectId: idText(e.objectId),
      propertyName: typeof e.propertyName === 'string' ? e.propertyName : null,
      occurredAt: typeof e.occurredAt === 'number' ? e.occurredAt : null,
    });
  }
  return events;
}
