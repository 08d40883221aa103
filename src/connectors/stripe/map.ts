/**
 * Stripe objects ⇄ Arrears (pure). A Stripe customer is a tenant with one lease; its
 * invoices are charges and their invoice payments are payments (API 2025-03-31.basil: the
 * Invoice lost `charge`/`payment_intent`/`paid`, so payments are read from
 * `/v1/invoice_payments`). Ids are Stripe's own, prefixed `stripe-`, so a re-pull upserts.
 */
import type { PublicEvent } from '../../app/publish-events.js';
import type { CaseContext } from '../../app/write-back.js';
import type { ProviderError } from '../outcomes.js';

export const STRIPE_VERSION = '2025-03-31.basil';
export const PAGE_LIMIT = 100;

export const PATHS = {
  customers: '/v1/customers',
  customerSearch: '/v1/customers/search',
  customer: (id: string) => `/v1/customers/${encodeURIComponent(id)}`,
  invoices: '/v1/invoices',
  invoice: (id: string) => `/v1/invoices/${encodeURIComponent(id)}`,
  invoiceAction: (id: string, action: 'pay' | 'send') =>
    `/v1/invoices/${encodeURIComponent(id)}/${action}`,
  invoicePayments: '/v1/invoice_payments',
  events: '/v1/events',
} as const;

export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url?: string;
}

export interface StripeCustomer {
  id: string;
  object: 'customer';
  deleted?: boolean;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  balance?: number;
  delinquent?: boolean | null;
  metadata?: Record<string, string>;
  created?: number;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface StripeInvoice {
  id: string;
  object: 'invoice';
  customer: string | StripeCustomer;
  number?: string | null;
  status: InvoiceStatus;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  currency: string;
  collection_method: 'charge_automatically' | 'send_invoice';
  due_date: number | null;
  created: number;
  hosted_invoice_url?: string | null;
  status_transitions?: {
    finalized_at?: number | null;
    paid_at?: number | null;
    voided_at?: number | null;
    marked_uncollectible_at?: number | null;
  };
  metadata?: Record<string, string>;
}

export interface StripeInvoicePayment {
  id: string;
  object: 'invoice_payment';
  invoice: string;
  amount_paid: number | null;
  amount_requested: number;
  created: number;
  currency: string;
  status: 'open' | 'paid' | 'canceled';
  payment: { type: string; payment_intent?: string; charge?: string; payment_record?: string };
  status_transitions?: { paid_at?: number | null; canceled_at?: number | null };
}

export interface StripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  data: { object: { id?: string; object?: string; customer?: unknown } & Record<string, unknown> };
}

// ---------------------------------------------------------------------------------------
// Ids

const LEASE_PREFIX = 'stripe-lease-';
export const tenantIdOf = (customerId: string) => `stripe-${customerId}`;
export const leaseIdOf = (customerId: string) => `${LEASE_PREFIX}${customerId}`;
export const chargeIdOf = (invoiceId: string) => `stripe-${invoiceId}`;
export const paymentIdOf = (invoicePaymentId: string) => `stripe-${invoicePaymentId}`;

/** The Stripe customer of a lease this connector created, else undefined. */
export function customerIdOfLease(leaseId: string): string | undefined {
  return leaseId.startsWith(LEASE_PREFIX) && leaseId.length > LEASE_PREFIX.length
    ? leaseId.slice(LEASE_PREFIX.length)
    : undefined;
}

export function customerIdOf(customer: string | StripeCustomer | null | undefined) {
  if (typeof customer === 'string') return customer;
  return customer?.id;
}

// ---------------------------------------------------------------------------------------
// Source: customers, invoices, invoice payments → SPEC 3.1

/** Stripe instants are unix seconds; a ledger date is the UTC calendar day. */
export const localDateOf = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CATEGORIES = new Set(['rent', 'fee', 'utility', 'deposit', 'other']);

export function tenantOf(c: StripeCustomer): Record<string, unknown> {
  const phone = c.phone?.replace(/[\s().-]/g, '');
  return {
    id: tenantIdOf(c.id),
    name: c.name?.trim() || c.email?.trim() || c.id,
    ...(c.email && EMAIL.test(c.email.trim()) ? { email: c.email.trim() } : {}),
    ...(phone && E164.test(phone) ? { phone } : {}),
  };
}

/**
 * The customer's one lease; null when no property is known for it. Unit and rent come
 * only from the customer's metadata (`unit`, `rent_cents`): left out, the sync keeps what
 * staff imported.
 */
export function leaseOf(
  c: StripeCustomer,
  defaultPropertyId: string | undefined,
): Record<string, unknown> | null {
  const propertyId = c.metadata?.arrears_property_id?.trim() || defaultPropertyId;
  if (!propertyId) return null;
  const unit = c.metadata?.unit?.trim();
  const rent = c.metadata?.rent_cents?.trim();
  return {
    id: leaseIdOf(c.id),
    propertyId,
    ...(unit ? { unit } : {}),
    tenantIds: [tenantIdOf(c.id)],
    ...(rent !== undefined && /^\d+$/.test(rent) ? { rentCents: Number(rent) } : {}),
    sourceId: 'stripe',
  };
}

/**
 * An invoice as ledger entries: a charge once finalized (drafts are not owed); a voided
 * one is its charge plus a reversal, so a charge pulled while it was open nets to zero.
 * An uncollectible invoice stays owed, as Stripe still counts its amount remaining.
 */
export function invoiceEntries(inv: StripeInvoice, leaseId: string): Record<string, unknown>[] {
  if (inv.status === 'draft' || !(inv.amount_due > 0)) return [];
  const t = inv.status_transitions ?? {};
  const finalized = t.finalized_at ?? inv.created;
  const category = inv.metadata?.arrears_category;
  const charge = {
    id: chargeIdOf(inv.id),
    leaseId,
    date: localDateOf(finalized),
    type: 'charge',
    category: category !== undefined && CATEGORIES.has(category) ? category : 'rent',
    amountCents: inv.amount_due,
    dueDate: localDateOf(inv.due_date ?? finalized),
  };
  if (inv.status !== 'void') return [charge];
  return [
    charge,
    {
      id: `${chargeIdOf(inv.id)}-void`,
      leaseId,
      date: localDateOf(t.voided_at ?? finalized),
      type: 'reversal',
      amountCents: inv.amount_due,
      reverses: charge.id,
    },
  ];
}

export function paymentEntry(
  p: StripeInvoicePayment,
  leaseId: string,
): Record<string, unknown> | null {
  if (p.status !== 'paid' || !(p.amount_paid !== null && p.amount_paid > 0)) return null;
  return {
    id: paymentIdOf(p.id),
    leaseId,
    date: localDateOf(p.status_transitions?.paid_at ?? p.created),
    type: 'payment',
    amountCents: p.amount_paid,
    appliesTo: chargeIdOf(p.invoice),
  };
}

/** Stripe's own figure of what the customer owes on its invoices. */
export function balanceOf(invoices: readonly StripeInvoice[]): number {
  return invoices
    .filter((i) => i.status === 'open' || i.status === 'uncollectible')
    .reduce((sum, i) => sum + i.amount_remaining, 0);
}

/** Only invoices that took a payment are asked for their invoice payments. */
export const mayHavePayments = (inv: StripeInvoice) =>
  inv.amount_paid > 0 && inv.status !== 'draft';

/** The oldest open invoice still owing: what a pay link or a retry is about. */
export function oldestOpenInvoice(invoices: readonly StripeInvoice[]): StripeInvoice | undefined {
  const due = (i: StripeInvoice) => i.due_date ?? i.status_transitions?.finalized_at ?? i.created;
  return invoices
    .filter((i) => i.status === 'open' && i.amount_remaining > 0)
    .sort((a, b) => due(a) - due(b) || a.created - b.created)[0];
}

// ---------------------------------------------------------------------------------------
// Incremental sync: the Events API

/** Event types whose object names a customer whose records may have changed. */
export const SYNC_EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'invoice.finalized',
  'invoice.updated',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
] as const;

/** The customers events are about, in the order first seen. */
export function customersOfEvents(events: readonly StripeEvent[]): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    const o = e.data.object;
    const id =
      o.object === 'customer'
        ? o.id
        : o.object === 'invoice'
          ? customerIdOf(o.customer as string | StripeCustomer)
          : undefined;
    if (typeof id === 'string' && id !== '') ids.add(id);
  }
  return [...ids];
}

/** Stripe keeps events ~30 days; a day of margin so a pull never straddles the edge. */
export const EVENTS_USABLE_S = 29 * 86_400;
/** A full pull's events start a little before it did: events during the pull are re-read. */
export const FULL_PULL_OVERLAP_S = 300;

/**
 * Where a pull stands. `full`: a pass over customers after the id `after`, which began at
 * `started` (unix s). `events`: events with `created > since` are still to read; while
 * paging one batch, `upTo` is where the cursor lands and `after` the last event read.
 */
export type StripeCursor =
  | { mode: 'full'; started: number; after: string | null }
  | { mode: 'events'; since: number; upTo?: number; after?: string };

export function formatCursor(c: StripeCursor): string {
  if (c.mode === 'full') return `full:${c.started}:${c.after ?? ''}`;
  return c.after !== undefined && c.upTo !== undefined
    ? `events:${c.since}:${c.upTo}:${c.after}`
    : `events:${c.since}`;
}

export function parseCursor(text: string | null): StripeCursor | null {
  if (text === null) return null;
  const full = /^full:(\d+):([\w-]*)$/.exec(text);
  if (full) return { mode: 'full', started: Number(full[1]), after: full[2] || null };
  const paging = /^events:(\d+):(\d+):([\w-]+)$/.exec(text);
  if (paging)
    return { mode: 'events', since: Number(paging[1]), upTo: Number(paging[2]), after: paging[3]! };
  const events = /^events:(\d+)$/.exec(text);
  return events ? { mode: 'events', since: Number(events[1]) } : null;
}

// ---------------------------------------------------------------------------------------
// Sink: the case on the customer's metadata

/**
 * The customer metadata a case event writes. Only events that show the case's state move
 * `arrears_status`: a reply can come after the case closed.
 */
export function caseMetadataOf(
  event: PublicEvent,
  context: CaseContext | null,
): Record<string, string> {
  const m: Record<string, string> = {};
  if (event.leaseId !== null) m.arrears_lease_id = event.leaseId;
  if (event.event === 'case.closed')
    m.arrears_status = event.outcome === 'paid' ? 'current' : (event.outcome ?? 'closed');
  else if (event.event !== 'reply.received') m.arrears_status = 'delinquent';
  if (context) m.arrears_balance_cents = String(context.balanceCents);
  return m;
}

export function metadataForm(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`metadata[${k}]`, v]));
}

/** A quoted value in Stripe's search query language. */
export const searchValue = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// ---------------------------------------------------------------------------------------
// Write-back actions

export const WRITEBACK_ACTIONS = { retry_payment: 'pay', resend_invoice: 'send' } as const;
export type WritebackAction = keyof typeof WRITEBACK_ACTIONS;

export function writebackActionOf(fields: unknown): WritebackAction | undefined {
  const action =
    fields !== null && typeof fields === 'object'
      ? (fields as { action?: unknown }).action
      : undefined;
  return action === 'retry_payment' || action === 'resend_invoice' ? action : undefined;
}

export function invoiceFieldOf(fields: unknown): string | undefined {
  const v =
    fields !== null && typeof fields === 'object'
      ? (fields as { invoice?: unknown }).invoice
      : undefined;
  return typeof v === 'string' && /^in_\w+$/.test(v) ? v : undefined;
}

// ---------------------------------------------------------------------------------------
// Errors

export interface StripeErrorBody {
  type?: string;
  code?: string;
  decline_code?: string;
  message?: string;
  param?: string;
}

export function stripeErrorOf(json: unknown): StripeErrorBody | undefined {
  const e =
    json !== null && typeof json === 'object' ? (json as { error?: unknown }).error : undefined;
  return e !== null && typeof e === 'object' ? (e as StripeErrorBody) : undefined;
}

/** Stripe's error as the outbox records it: its `code` (else its `type`) and message. */
export function providerErrorOf(json: unknown): ProviderError | undefined {
  const e = stripeErrorOf(json);
  if (!e) return undefined;
  const code = e.code ?? e.type ?? 'error';
  const detail = [e.message ?? code, e.decline_code ? `(${e.decline_code})` : '']
    .filter(Boolean)
    .join(' ');
  return { code, message: e.param ? `${detail} [param ${e.param}]` : detail };
}
