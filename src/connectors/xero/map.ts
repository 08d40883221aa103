/**
 * Xero objects ⇄ Arrears (pure). A customer contact is a tenant with one lease; sales
 * invoices (ACCREC) are charges, with what credit notes and overpayments took off as a
 * credit; receivable payments are payments. Ids are Xero's GUIDs, prefixed `xero-`, so a
 * re-pull upserts. Xero's JSON dates are MS-JSON (`/Date(1546128000000+0000)/`), with a
 * `…String` twin on some fields.
 */
import type { PublicEvent } from '../../app/publish-events.js';
import type { CaseContext } from '../../app/write-back.js';
import type { ProviderError } from '../outcomes.js';

export const PAGE_SIZE = 100;

export type XeroDate = string;

export interface XeroPhone {
  PhoneType?: string;
  PhoneNumber?: string;
  PhoneAreaCode?: string;
  PhoneCountryCode?: string;
}

export interface XeroContact {
  ContactID: string;
  Name: string;
  FirstName?: string;
  LastName?: string;
  EmailAddress?: string;
  Phones?: XeroPhone[];
  ContactStatus?: 'ACTIVE' | 'ARCHIVED' | 'GDPRREQUEST';
  IsCustomer?: boolean;
  Balances?: { AccountsReceivable?: { Outstanding?: number; Overdue?: number } };
  UpdatedDateUTC?: XeroDate;
}

export interface XeroInvoice {
  InvoiceID: string;
  InvoiceNumber?: string;
  Type: 'ACCREC' | 'ACCPAY';
  Contact: { ContactID: string; Name?: string };
  Date?: XeroDate;
  DateString?: string;
  DueDate?: XeroDate;
  DueDateString?: string;
  Status: 'DRAFT' | 'SUBMITTED' | 'DELETED' | 'AUTHORISED' | 'PAID' | 'VOIDED';
  Total: number;
  AmountDue: number;
  AmountPaid: number;
  AmountCredited?: number;
  CurrencyCode?: string;
  UpdatedDateUTC?: XeroDate;
}

export interface XeroPayment {
  PaymentID: string;
  Date?: XeroDate;
  Amount: number;
  Invoice?: { InvoiceID: string; InvoiceNumber?: string; Contact?: { ContactID: string } };
  Status: 'AUTHORISED' | 'DELETED';
  PaymentType?: string;
  Reference?: string;
  UpdatedDateUTC?: XeroDate;
}

export interface XeroPagination {
  page: number;
  pageSize: number;
  pageCount: number;
  itemCount: number;
}

// ---------------------------------------------------------------------------------------
// Ids

const LEASE_PREFIX = 'xero-lease-';
export const tenantIdOf = (contactId: string) => `xero-contact-${contactId}`;
export const leaseIdOf = (contactId: string) => `${LEASE_PREFIX}${contactId}`;
export const chargeIdOf = (invoiceId: string) => `xero-inv-${invoiceId}`;
export const paymentIdOf = (paymentId: string) => `xero-pay-${paymentId}`;

export function contactIdOfLease(leaseId: string): string | undefined {
  return leaseId.startsWith(LEASE_PREFIX) && leaseId.length > LEASE_PREFIX.length
    ? leaseId.slice(LEASE_PREFIX.length)
    : undefined;
}

// ---------------------------------------------------------------------------------------
// Values

/** `/Date(1546128000000+0000)/` → epoch ms (the offset is informational: ms are UTC). */
export function msOfXeroDate(value: string | undefined): number | undefined {
  const m = value ? /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value) : null;
  return m ? Number(m[1]) : undefined;
}

/** A calendar day from the `…String` twin (`2018-12-30T00:00:00`), else the MS-JSON date. */
export function localDateOf(text: string | undefined, ms: string | undefined): string | undefined {
  if (text && /^\d{4}-\d{2}-\d{2}/.test(text)) return text.slice(0, 10);
  const at = msOfXeroDate(ms);
  return at === undefined ? undefined : new Date(at).toISOString().slice(0, 10);
}

/** Xero's `If-Modified-Since` form: UTC without zone, `2026-05-01T00:00:00`. */
export const xeroTimestamp = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/** Decimal amounts (`1200.00`) → cents; Xero keeps two decimals for these totals. */
export const centsOf = (amount: number | string | undefined) =>
  Math.round(Number(amount ?? 0) * 100);

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Mobile first: the number texts reach. */
export function phoneOf(phones: readonly XeroPhone[] | undefined): string | undefined {
  const rank = (p: XeroPhone) => ['MOBILE', 'DEFAULT', 'DDI'].indexOf(p.PhoneType ?? '');
  for (const p of [...(phones ?? [])]
    .filter((x) => rank(x) >= 0)
    .sort((a, b) => rank(a) - rank(b))) {
    const digits = (s?: string) => (s ?? '').replace(/\D/g, '');
    const number = (p.PhoneNumber ?? '').trim();
    const e164 = p.PhoneCountryCode
      ? `+${digits(p.PhoneCountryCode)}${digits(p.PhoneAreaCode)}${digits(number)}`
      : number.startsWith('+')
        ? `+${digits(number)}`
        : '';
    if (E164.test(e164)) return e164;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Source

export function tenantOf(c: XeroContact): Record<string, unknown> {
  const email = c.EmailAddress?.trim();
  const phone = phoneOf(c.Phones);
  const person = [c.FirstName, c.LastName].filter(Boolean).join(' ').trim();
  return {
    id: tenantIdOf(c.ContactID),
    name: c.Name?.trim() || person || c.ContactID,
    ...(email && EMAIL.test(email) ? { email } : {}),
    ...(phone ? { phone } : {}),
  };
}

/** Xero knows no unit or rent: left out, the sync keeps what staff imported. */
export function leaseOf(c: XeroContact, propertyId: string): Record<string, unknown> {
  return {
    id: leaseIdOf(c.ContactID),
    propertyId,
    tenantIds: [tenantIdOf(c.ContactID)],
    sourceId: 'xero',
  };
}

/** Xero's own figure of what the contact owes on its sales invoices. */
export function balanceOf(c: XeroContact): number | undefined {
  const outstanding = c.Balances?.AccountsReceivable?.Outstanding;
  return typeof outstanding === 'number' ? centsOf(outstanding) : undefined;
}

/**
 * An authorised sales invoice is a charge; what credit notes, overpayments and
 * prepayments took off it is one credit; a voided one is its charge plus a reversal, so a
 * charge pulled while it was open nets to zero. Drafts and deleted drafts were never owed.
 */
export function invoiceEntries(inv: XeroInvoice): Record<string, unknown>[] {
  if (inv.Type !== 'ACCREC') return [];
  if (!['AUTHORISED', 'PAID', 'VOIDED'].includes(inv.Status)) return [];
  const amountCents = centsOf(inv.Total);
  const date = localDateOf(inv.DateString, inv.Date);
  if (!(amountCents > 0) || date === undefined) return [];
  const leaseId = leaseIdOf(inv.Contact.ContactID);
  const id = chargeIdOf(inv.InvoiceID);
  const changed = localDateOf(undefined, inv.UpdatedDateUTC) ?? date;
  const entries: Record<string, unknown>[] = [
    {
      id,
      leaseId,
      date,
      type: 'charge',
      category: 'rent',
      amountCents,
      dueDate: localDateOf(inv.DueDateString, inv.DueDate) ?? date,
    },
  ];
  const credited = centsOf(inv.AmountCredited);
  if (credited > 0)
    entries.push({
      id: `${id}-credited`,
      leaseId,
      date: changed,
      type: 'credit',
      amountCents: credited,
      appliesTo: id,
    });
  if (inv.Status === 'VOIDED')
    entries.push({
      id: `${id}-void`,
      leaseId,
      date: changed,
      type: 'reversal',
      amountCents,
      reverses: id,
    });
  return entries;
}

/** A receivable payment; a deleted one is its payment plus a reversal. */
export function paymentEntries(p: XeroPayment): Record<string, unknown>[] {
  const contact = p.Invoice?.Contact?.ContactID;
  const amountCents = centsOf(p.Amount);
  const date = localDateOf(undefined, p.Date);
  if (!contact || !p.Invoice || !(amountCents > 0) || date === undefined) return [];
  const leaseId = leaseIdOf(contact);
  const id = paymentIdOf(p.PaymentID);
  const payment = {
    id,
    leaseId,
    date,
    type: 'payment',
    amountCents,
    appliesTo: chargeIdOf(p.Invoice.InvoiceID),
  };
  if (p.Status !== 'DELETED') return [payment];
  return [
    payment,
    {
      id: `${id}-deleted`,
      leaseId,
      date: localDateOf(undefined, p.UpdatedDateUTC) ?? date,
      type: 'reversal',
      amountCents,
      reverses: id,
    },
  ];
}

/** Another page follows this one. */
export function hasMore(p: XeroPagination | undefined, count: number, pageSize: number): boolean {
  return p && Number.isInteger(p.pageCount) ? p.page < p.pageCount : count >= pageSize;
}

// ---------------------------------------------------------------------------------------
// Cursor

export const PHASES = ['contacts', 'invoices', 'payments'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * `since`: the If-Modified-Since of this pass (null: a full pull). `pass`: where a pass
 * stands — the phase and page to read next, and `started`, the next pass's `since`.
 */
export interface XeroCursor {
  since: string | null;
  pass?: { started: string; phase: Phase; page: number };
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

export function parseCursor(text: string | null): XeroCursor | null {
  if (text === null) return null;
  try {
    const c = JSON.parse(text) as XeroCursor;
    const since = c.since === null || (typeof c.since === 'string' && TIMESTAMP.test(c.since));
    const pass =
      c.pass === undefined ||
      (TIMESTAMP.test(c.pass.started) &&
        PHASES.includes(c.pass.phase) &&
        Number.isInteger(c.pass.page) &&
        c.pass.page >= 1);
    return since && pass ? { since: c.since, ...(c.pass ? { pass: c.pass } : {}) } : null;
  } catch {
    return null;
  }
}

export const formatCursor = (c: XeroCursor) => JSON.stringify(c);

// ---------------------------------------------------------------------------------------
// Sink: a history note per case event

const money = (cents: number) =>
  (cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** One line for the contact's history: what happened, never a message body. */
export function historyDetailsOf(event: PublicEvent, context: CaseContext | null): string {
  const episode = event.caseEpisode !== null ? ` ${event.caseEpisode}` : '';
  let what: string;
  switch (event.event) {
    case 'case.opened':
      what = `case${episode} opened${event.policyId ? ` (policy ${event.policyId} v${event.policyVersion ?? '?'})` : ''}`;
      break;
    case 'case.closed':
      what = `case${episode} closed${event.outcome ? `: ${event.outcome.replace(/_/g, ' ')}` : ''}`;
      break;
    case 'action.sent':
    case 'action.failed':
      what = `${[event.stage, event.action].filter(Boolean).join(' ') || 'action'} ${event.status}${
        event.event === 'action.failed' && event.reason ? ` (${event.reason})` : ''
      }`;
      break;
    case 'reply.received':
      what = `tenant replied${event.channel ? ` by ${event.channel}` : ''}${event.intent ? ` (${event.intent})` : ''}`;
      break;
    case 'case.flagged':
      what = `lease flagged (${event.kind ?? 'flag'})`;
      break;
  }
  const balance = context ? ` Balance ${money(context.balanceCents)}.` : '';
  return `Arrears: ${what}.${balance} [${event.id}]`;
}

export function historyBody(details: string) {
  return { HistoryRecords: [{ Details: details }] };
}

// ---------------------------------------------------------------------------------------
// Errors

interface ValidationBody {
  ErrorNumber?: number;
  Type?: string;
  Message?: string;
  Elements?: { ValidationErrors?: { Message?: string }[] }[];
}
interface ProblemBody {
  Title?: string;
  Status?: number;
  Detail?: string;
}

/**
 * Xero's error: a `ValidationException` (400) names its first validation message; auth
 * and limit answers are problem-like `{Title, Status, Detail}`; OAuth errors `{error}`.
 */
export function xeroErrorOf(json: unknown): ProviderError | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const v = json as ValidationBody & ProblemBody & { error?: string; error_description?: string };
  if (typeof v.Type === 'string' && v.Type !== '') {
    const first = v.Elements?.flatMap((e) => e.ValidationErrors ?? [])[0]?.Message;
    return { code: v.Type, message: first ?? v.Message ?? v.Type };
  }
  if (typeof v.error === 'string')
    return { code: v.error, message: v.error_description ?? v.error };
  if (typeof v.Title === 'string')
    return { code: v.Detail?.split(':')[0] ?? v.Title, message: v.Detail ?? v.Title };
  return undefined;
}
