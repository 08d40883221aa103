/**
 * Case events → Freshdesk tickets (write-back, app/write-back.ts). One open ticket per lease:
 * a dispute or an at-risk flag opens it with a due date in business days; every later
 * event of the lease while it is open becomes a private note; `case.closed` notes the outcome
 * and resolves it.
 *
 * The open Arrears tickets (tag `arrears`, status Open or Pending) are read once per process
 * by search and then kept up to date by this process's own writes, so ordinary events cost
 * no lookup. Freshdesk has no idempotency key, so each write is guarded by a read: before a
 * ticket is created the lease's open ticket is asked for exactly (the requester's tickets —
 * immediate — then search on cf_arrears_lease_id, whose index lags by minutes), and a note is
 * added only when neither the ticket's description nor a conversation names the event id
 * yet. A replayed event therefore changes nothing.
 *
 * Limits: a ticket created by another process within the search lag before this one started
 * gets no notes until a dispute of its lease looks it up exactly; a ticket a person resolves
 * in Freshdesk still gets notes until the next dispute of its lease; a requester without
 * e-mail is found only by search, so a replay inside the lag after a restart could open a
 * second ticket.
 */
import type { CaseEvent, CaseSinkPort, SinkOutcome } from '../../app/write-back.js';
import type { ConnectorLog } from '../context.js';
import { ProviderHttpError, type ProviderResponse } from '../http.js';
import type { FreshdeskClient } from './client.js';
import {
  conversationTextsOf,
  freshdeskErrorOf,
  isLeaseTicket,
  isOpen,
  LEASE_FIELD,
  noteBodyOf,
  requesterOf,
  ticketBodyOf,
  ticketKindOf,
  ticketsOf,
  type TicketSettings,
} from './map.js';

export interface FreshdeskSinkOptions extends TicketSettings {
  /** The requester of tickets about a tenant with neither e-mail nor phone. */
  fallbackEmail?: string;
}

class Refused extends Error {
  constructor(readonly outcome: Extract<SinkOutcome, { ok: false }>) {
    super(outcome.reason);
  }
}

function refusal(res: ProviderResponse, what: string): Refused {
  const err = freshdeskErrorOf(res.json);
  const reason = `${what}: HTTP ${res.status}${err ? ` ${err.code} ${err.message}` : ''}`.slice(
    0,
    300,
  );
  if (res.status === 429)
    return new Refused({
      ok: false,
      retryable: true,
      reason,
      ...(res.retryAfterMs !== null ? { retryAfterMs: res.retryAfterMs } : {}),
    });
  // Credentials and outages are the operator's or Freshdesk's to fix: hold the cursor.
  const retryable =
    res.status === 401 || res.status === 403 || res.status === 408 || res.status >= 500;
  return new Refused({ ok: false, retryable, reason });
}

const ok = (res: ProviderResponse) => res.status >= 200 && res.status < 300;
const EVENT_ID = /event (evt_[A-Za-z0-9_-]+)/g;

interface Known {
  ticketId: number;
  /** Event ids the ticket already records (description and notes); read when first needed. */
  seen: Set<string> | null;
}

/** Search answers 30 tickets a page, at most 10 pages. */
const SEARCH_PAGES = 10;
const SEARCH_PAGE_SIZE = 30;

export function freshdeskSink(
  client: FreshdeskClient,
  options: FreshdeskSinkOptions,
  log: ConnectorLog,
): CaseSinkPort {
  /** Open Arrears tickets by lease; loaded once, then kept by this process's own writes. */
  let index: Map<string, Known> | null = null;

  async function openTickets(signal?: AbortSignal): Promise<Map<string, Known>> {
    if (index) return index;
    const found = new Map<string, Known>();
    for (let page = 1; page <= SEARCH_PAGES; page++) {
      const res = await client.searchArrearsOpen(page, signal);
      if (!ok(res)) throw refusal(res, 'search the open Arrears tickets');
      const tickets = ticketsOf(res.json);
      for (const t of tickets) {
        const leaseId = t.custom_fields?.[LEASE_FIELD];
        if (typeof leaseId === 'string' && isOpen(t) && !found.has(leaseId))
          found.set(leaseId, { ticketId: t.id, seen: null });
      }
      if (tickets.length < SEARCH_PAGE_SIZE) break;
    }
    index = found;
    return found;
  }

  /** The lease's open ticket, looked up exactly before one is created. */
  async function findOpen(e: CaseEvent, signal?: AbortSignal): Promise<number | undefined> {
    const leaseId = e.event.leaseId!;
    const email = requesterOf(e.context, options.fallbackEmail)?.email;
    if (email !== undefined) {
      const res = await client.ticketsOfRequester(email, signal);
      // Freshdesk refuses the filter for an e-mail no contact has: then there is no ticket.
      const unknownRequester =
        res.status === 400 && freshdeskErrorOf(res.json)?.message.includes('email') === true;
      if (!ok(res) && !unknownRequester) throw refusal(res, 'list the requester’s tickets');
      const found = ticketsOf(res.json).filter(isLeaseTicket(leaseId)).find(isOpen);
      if (found) return found.id;
    }
    const res = await client.searchOpen(leaseId, signal);
    if (!ok(res)) throw refusal(res, 'search tickets');
    return ticketsOf(res.json).filter(isLeaseTicket(leaseId)).find(isOpen)?.id;
  }

  async function recorded(ticketId: number, signal?: AbortSignal): Promise<Set<string>> {
    const ticket = await client.ticket(ticketId, signal);
    if (!ok(ticket)) throw refusal(ticket, `read ticket ${ticketId}`);
    const conversations = await client.conversations(ticketId, signal);
    if (!ok(conversations)) throw refusal(conversations, `read ticket ${ticketId}'s notes`);
    const texts = [
      (ticket.json as { description?: unknown })?.description,
      ...conversationTextsOf(conversations.json),
    ].filter((s): s is string => typeof s === 'string');
    return new Set(texts.flatMap((t) => [...t.matchAll(EVENT_ID)].map((m) => m[1]!)));
  }

  async function stillOpen(ticketId: number, signal?: AbortSignal): Promise<boolean> {
    const res = await client.ticket(ticketId, signal);
    if (res.status === 404) return false;
    if (!ok(res)) throw refusal(res, `read ticket ${ticketId}`);
    const [t] = ticketsOf([res.json]);
    return t !== undefined && isOpen(t);
  }

  async function apply(e: CaseEvent, signal?: AbortSignal): Promise<SinkOutcome> {
    const leaseId = e.event.leaseId;
    if (leaseId === null) return { ok: true };
    const kind = ticketKindOf(e.event);
    const open = await openTickets(signal);
    let known = open.get(leaseId);
    if (kind !== null) {
      // Before creating, ask Freshdesk itself: staff may have resolved the ticket, or it was
      // created after the index was read (search lags).
      if (known && !(await stillOpen(known.ticketId, signal))) {
        open.delete(leaseId);
        known = undefined;
      }
      if (!known) {
        const ticketId = await findOpen(e, signal);
        if (ticketId !== undefined) {
          known = { ticketId, seen: null };
          open.set(leaseId, known);
        }
      }
    }
    if (!known) {
      if (kind === null) return { ok: true };
      const requester = requesterOf(e.context, options.fallbackEmail);
      if (!requester)
        return {
          ok: false,
          retryable: false,
          reason: `no requester for lease ${leaseId}'s ticket: the tenant has neither e-mail nor phone and ARREARS_FRESHDESK_REQUESTER_EMAIL is not set`,
        };
      const res = await client.createTicket(ticketBodyOf(kind, e, requester, options), signal);
      if (!ok(res)) throw refusal(res, 'create the ticket');
      const id = (res.json as { id?: unknown })?.id;
      if (typeof id === 'number') open.set(leaseId, { ticketId: id, seen: new Set([e.event.id]) });
      log.info({ connector: 'freshdesk', leaseId, ticketId: id, kind }, 'ticket opened');
      return { ok: true };
    }
    known.seen ??= await recorded(known.ticketId, signal);
    if (!known.seen.has(e.event.id)) {
      const res = await client.addNote(known.ticketId, noteBodyOf(e), signal);
      if (!ok(res)) throw refusal(res, `add a note to ticket ${known.ticketId}`);
      known.seen.add(e.event.id);
    }
    if (e.event.event === 'case.closed') {
      const res = await client.resolve(known.ticketId, signal);
      if (!ok(res)) throw refusal(res, `resolve ticket ${known.ticketId}`);
      open.delete(leaseId);
    }
    return { ok: true };
  }

  return {
    async apply(e, signal) {
      try {
        return await apply(e, signal);
      } catch (error) {
        if (error instanceof Refused) return error.outcome;
        if (error instanceof ProviderHttpError)
          return { ok: false, retryable: true, reason: error.message };
        throw error;
      }
    },
  };
}
