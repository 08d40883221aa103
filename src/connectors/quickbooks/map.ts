/**
 * QuickBooks Online ↔ Arrears, both ways, pure (reference §1).
 *
 * In (a source page, SPEC 3.1 shapes; ids namespaced so a re-pull upserts):
 *   Customer 58      → tenant `qbo-cust-58` (DisplayName, PrimaryEmailAddr, PrimaryPhone as
 *                      E.164, BillAddr) and lease `qbo-lease-58` on the PROPERTY_ID property
 *                      (QuickBooks has no leases: one per customer; inactive → status former)
 *                    → balance of `qbo-lease-58` = Customer.Balance
 *   Invoice 130      → charge `qbo-inv-130`: TxnDate, DueDate (else TxnDate), TotalAmt;
 *                      category `fee` when every item line is a FEE_ITEMS item or the invoice
 *                      is one of our fee write-backs (DocNumber `ARR-…`), else `rent`
 *   Payment 9        → payment `qbo-pay-9`: TxnDate, TotalAmt; `appliesTo` the invoice when
 *                      it pays exactly one (else our R1 pool allocation decides)
 *   voided (TotalAmt 0) or deleted → a reversal `qbo-inv-130-void` / `qbo-pay-9-void`
 *                      of the entry (the sync drops it when we never stored the entry)
 *
 * Fields QuickBooks does not know (rent, unit, consent, language, terms) are left out: the
 * sync keeps what staff imported. Money: decimal dollars → integer cents, rounded.
 *
 * Out: the case status as one line of Customer.Notes, and a fee write-back as an invoice.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const TENANT_PREFIX = 'qbo-cust-';
export const LEASE_PREFIX = 'qbo-lease-';
export const INVOICE_PREFIX = 'qbo-inv-';
export const PAYMENT_PREFIX = 'qbo-pay-';
/** DocNumber prefix of the fee invoices Arrears creates. */
export const FEE_DOC_PREFIX = 'ARR-';
export const NOTES_PREFIX = 'Arrears:';

export const ENTITIES = ['Customer', 'Invoice', 'Payment'] as const;
export type Entity = (typeof ENTITIES)[number];

type Json = Record<string, unknown>;

const ref = z.object({ value: z.string(), name: z.string().optional() }).passthrough();
const money = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

export const customerSchema = z
  .object({
    Id: z.string(),
    DisplayName: z.string().optional(),
    GivenName: z.string().optional(),
    FamilyName: z.string().optional(),
    CompanyName: z.string().optional(),
    PrimaryEmailAddr: z.object({ Address: z.string().optional() }).passthrough().optional(),
    PrimaryPhone: z.object({ FreeFormNumber: z.string().optional() }).passthrough().optional(),
    BillAddr: z
      .object({
        Line1: z.string().optional(),
        Line2: z.string().optional(),
        City: z.string().optional(),
        CountrySubDivisionCode: z.string().optional(),
        PostalCode: z.string().optional(),
        Country: z.string().optional(),
      })
      .passthrough()
      .optional(),
    Balance: money.optional(),
    Notes: z.string().optional(),
    Active: z.boolean().optional(),
    SyncToken: z.string().optional(),
    status: z.string().optional(),
  })
  .passthrough();
export type QboCustomer = z.infer<typeof customerSchema>;

const line = z
  .object({
    Amount: money.optional(),
    DetailType: z.string().optional(),
    SalesItemLineDetail: z.object({ ItemRef: ref.optional() }).passthrough().optional(),
    LinkedTxn: z
      .array(z.object({ TxnId: z.string(), TxnType: z.string() }).passthrough())
      .optional(),
  })
  .passthrough();

export const invoiceSchema = z
  .object({
    Id: z.string(),
    DocNumber: z.string().optional(),
    TxnDate: z.string().optional(),
    DueDate: z.string().optional(),
    TotalAmt: money.optional(),
    Balance: money.optional(),
    CustomerRef: ref.optional(),
    Line: z.array(line).optional(),
    status: z.string().optional(),
  })
  .passthrough();
export type QboInvoice = z.infer<typeof invoiceSchema>;

export const paymentSchema = z
  .object({
    Id: z.string(),
    TxnDate: z.string().optional(),
    TotalAmt: money.optional(),
    UnappliedAmt: money.optional(),
    CustomerRef: ref.optional(),
    Line: z.array(line).optional(),
    status: z.string().optional(),
  })
  .passthrough();
export type QboPayment = z.infer<typeof paymentSchema>;

export const cents = (amount: number): number => Math.round(amount * 100);
export const dollars = (c: number): number => Math.round(c) / 100;

const isDeleted = (x: { status?: string }) => x.status?.toLowerCase() === 'deleted';

/** `+1…` from a US number written any way; undefined when it does not look like one. */
export function e164Of(phone: string | undefined): string | undefined {
  if (phone === undefined) return undefined;
  const trimmed = phone.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (trimmed.startsWith('+')) return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : undefined;
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface MappedCustomer {
  tenant: Json;
  lease: Json;
  balance: { leaseId: string; balanceCents: number } | null;
}

export function customerToPortfolio(c: QboCustomer, propertyId: string): MappedCustomer | null {
  if (isDeleted(c)) return null;
  const name =
    c.DisplayName?.trim() ||
    [c.GivenName, c.FamilyName].filter(Boolean).join(' ').trim() ||
    c.CompanyName?.trim() ||
    `QuickBooks customer ${c.Id}`;
  const email = c.PrimaryEmailAddr?.Address?.trim();
  const phone = e164Of(c.PrimaryPhone?.FreeFormNumber);
  const a = c.BillAddr;
  const address =
    a?.Line1 && a.City && a.CountrySubDivisionCode && a.PostalCode
      ? {
          line1: a.Line1,
          ...(a.Line2 ? { line2: a.Line2 } : {}),
          city: a.City,
          region: a.CountrySubDivisionCode,
          postalCode: a.PostalCode,
          country: a.Country && /^[A-Z]{2}$/.test(a.Country) ? a.Country : 'US',
        }
      : undefined;
  const tenantId = `${TENANT_PREFIX}${c.Id}`;
  const leaseId = `${LEASE_PREFIX}${c.Id}`;
  return {
    tenant: {
      id: tenantId,
      name,
      ...(email && EMAIL.test(email) ? { email } : {}),
      ...(phone ? { phone } : {}),
      ...(address ? { address } : {}),
    },
    lease: {
      id: leaseId,
      propertyId,
      tenantIds: [tenantId],
      status: c.Active === false ? 'former' : 'active',
      sourceId: 'quickbooks',
    },
    balance: c.Balance === undefined ? null : { leaseId, balanceCents: cents(c.Balance) },
  };
}

export function feeItemsOf(setting: string | undefined): Set<string> {
  return new Set(
    (setting ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

function itemLines(i: QboInvoice) {
  return (i.Line ?? []).filter((l) => l.DetailType === 'SalesItemLineDetail');
}

export function invoiceCategory(i: QboInvoice, feeItems: ReadonlySet<string>): 'rent' | 'fee' {
  if (i.DocNumber?.startsWith(FEE_DOC_PREFIX)) return 'fee';
  const lines = itemLines(i);
  const isFee = (l: (typeof lines)[number]) => {
    const item = l.SalesItemLineDetail?.ItemRef;
    return (
      item !== undefined &&
      (feeItems.has(item.value.toLowerCase()) || feeItems.has((item.name ?? '').toLowerCase()))
    );
  };
  return lines.length > 0 && lines.every(isFee) ? 'fee' : 'rent';
}

/** The sync fills in the amount from the stored entry (QuickBooks zeroes a voided one). */
const voidOf = (id: string, leaseId: string, date: string): Json => ({
  id: `${id}-void`,
  leaseId,
  date,
  type: 'reversal',
  reverses: id,
  memo: 'voided or deleted in QuickBooks',
});

/** The local date part of MetaData.LastUpdatedTime (`2026-10-12T09:30:00-07:00`). */
function changedOn(x: Json): string | undefined {
  const t = (x.MetaData as { LastUpdatedTime?: unknown } | undefined)?.LastUpdatedTime;
  return typeof t === 'string' && /^\d{4}-\d{2}-\d{2}/.test(t) ? t.slice(0, 10) : undefined;
}

/** A charge, a reversal of it (voided / deleted), or null (nothing to say). */
export function invoiceToEntry(
  i: QboInvoice,
  feeItems: ReadonlySet<string>,
  today: string,
): Json | null {
  const id = `${INVOICE_PREFIX}${i.Id}`;
  const customer = i.CustomerRef?.value;
  if (customer === undefined) return null; // a deleted invoice may come back bare
  const leaseId = `${LEASE_PREFIX}${customer}`;
  const amount = i.TotalAmt === undefined ? 0 : cents(i.TotalAmt);
  // A voided invoice was never owed: its reversal takes effect on the invoice's own date.
  if (isDeleted(i) || amount <= 0) return voidOf(id, leaseId, i.TxnDate ?? today);
  return {
    id,
    leaseId,
    date: i.TxnDate ?? today,
    type: 'charge',
    category: invoiceCategory(i, feeItems),
    amountCents: amount,
    dueDate: i.DueDate ?? i.TxnDate ?? today,
    ...(i.DocNumber ? { memo: `QuickBooks invoice ${i.DocNumber}` } : {}),
  };
}

/** The invoices a payment pays (its lines' LinkedTxn of type Invoice). */
export function invoicesPaidBy(p: QboPayment): string[] {
  const ids = (p.Line ?? []).flatMap((l) =>
    (l.LinkedTxn ?? []).filter((t) => t.TxnType === 'Invoice').map((t) => t.TxnId),
  );
  return [...new Set(ids)];
}

export function paymentToEntry(p: QboPayment, today: string): Json | null {
  const id = `${PAYMENT_PREFIX}${p.Id}`;
  const customer = p.CustomerRef?.value;
  if (customer === undefined) return null;
  const leaseId = `${LEASE_PREFIX}${customer}`;
  const amount = p.TotalAmt === undefined ? 0 : cents(p.TotalAmt);
  // A voided payment (a bounced check) is reversed when it was voided, not when it was paid (R9).
  if (isDeleted(p) || amount <= 0) return voidOf(id, leaseId, changedOn(p) ?? today);
  const paid = invoicesPaidBy(p);
  return {
    id,
    leaseId,
    date: p.TxnDate ?? today,
    type: 'payment',
    amountCents: amount,
    ...(paid.length === 1 ? { appliesTo: `${INVOICE_PREFIX}${paid[0]}` } : {}),
  };
}

/** The QuickBooks customer id of one of our lease ids, or undefined for other sources' leases. */
export function customerIdOfLease(leaseId: string): string | undefined {
  if (!leaseId.startsWith(LEASE_PREFIX)) return undefined;
  const id = leaseId.slice(LEASE_PREFIX.length);
  return /^\d{1,20}$/.test(id) ? id : undefined;
}

// ---------------------------------------------------------------------------------------
// Queries

/** A query string literal: QuickBooks escapes a quote with a backslash. */
export const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function pageQuery(entity: Entity, start: number, max: number): string {
  return `select * from ${entity} ORDERBY Id STARTPOSITION ${start} MAXRESULTS ${max}`;
}

export function customersQuery(ids: readonly string[]): string {
  return `select * from Customer where Id in (${ids.map(literal).join(', ')}) MAXRESULTS 1000`;
}

/** `{"QueryResponse": {"Invoice": [...]}}` → the rows of `entity`. */
export function queryRows(body: unknown, entity: string): unknown[] {
  const qr = (body as { QueryResponse?: Json } | undefined)?.QueryResponse;
  const rows = qr?.[entity];
  return Array.isArray(rows) ? rows : [];
}

/** `{"CDCResponse":[{"QueryResponse":[{"Invoice":[…]}, …]}]}` → rows per entity. */
export function cdcRows(body: unknown): Record<Entity, unknown[]> {
  const out: Record<Entity, unknown[]> = { Customer: [], Invoice: [], Payment: [] };
  const responses = (body as { CDCResponse?: unknown } | undefined)?.CDCResponse;
  for (const r of Array.isArray(responses) ? responses : []) {
    const parts = (r as { QueryResponse?: unknown })?.QueryResponse;
    for (const part of Array.isArray(parts) ? parts : [parts])
      for (const entity of ENTITIES) {
        const rows = (part as Json | undefined)?.[entity];
        if (Array.isArray(rows)) out[entity].push(...rows);
      }
  }
  return out;
}

/** The `time` of an answer, when it is an instant. */
export function serverTimeOf(body: unknown): number | undefined {
  const t = (body as { time?: unknown } | undefined)?.time;
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

// ---------------------------------------------------------------------------------------
// Errors

export interface QboFault {
  code: string;
  message: string;
  type: string;
  element?: string;
}

/** `{"Fault":{"Error":[{"Message","Detail","code","element"}],"type":…}}` (any case), also in a 200. */
export function faultOf(body: unknown): QboFault | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Json;
  const fault = (b.Fault ?? b.fault) as Json | undefined;
  if (!fault || typeof fault !== 'object') return undefined;
  const errors = (fault.Error ?? fault.error) as Json[] | undefined;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  const text = (k: string) => {
    const v = first?.[k] ?? first?.[k.toLowerCase()];
    return typeof v === 'string' ? v : undefined;
  };
  return {
    code: text('code') ?? 'unknown',
    message: [text('Message'), text('Detail')].filter(Boolean).join(': ') || 'QuickBooks fault',
    type: typeof fault.type === 'string' ? fault.type : 'Fault',
    ...(text('element') ? { element: text('element')! } : {}),
  };
}

/** The token endpoint's refusal: `{"error":"invalid_grant"}`. */
export function oauthErrorOf(body: unknown): { code: string; message: string } | undefined {
  const b = body as { error?: unknown; error_description?: unknown } | undefined;
  if (typeof b?.error !== 'string') return undefined;
  return {
    code: b.error,
    message: typeof b.error_description === 'string' ? b.error_description : b.error,
  };
}

export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
  x_refresh_token_expires_in: z.number().optional(),
  token_type: z.string().optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswer>;

// ---------------------------------------------------------------------------------------
// Out: the notes line and the fee invoice

export interface CaseStatus {
  status: 'open' | 'closed';
  balanceCents: number;
  /** The last stage acted on, or the close outcome. */
  stage: string | null;
}

const usd = (c: number) =>
  `${c < 0 ? '-' : ''}$${(Math.abs(c) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function notesLine(s: CaseStatus): string {
  return [NOTES_PREFIX, s.status, usd(s.balanceCents), s.stage ?? ''].join(' ').trim();
}

/** The customer's notes with our line replaced (or added last); other lines are the staff's. */
export function notesWith(existing: string | undefined, line: string): string {
  const kept = (existing ?? '')
    .split(/\r?\n/)
    .filter((l) => !l.startsWith(NOTES_PREFIX) && l.trim() !== '');
  // Customer.Notes holds about 2,000 characters: the staff's text gives way, never our line.
  const text = [...kept, line].join('\n');
  return text.length <= 2000 ? text : text.slice(text.length - 2000);
}

/** DocNumber of the fee invoice of an outbox item: ≤ 21 characters, the same on every retry. */
export function feeDocNumber(key: string): string {
  return `${FEE_DOC_PREFIX}${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** `requestid`: QuickBooks' idempotency parameter, from the outbox key (≤ 50 chars). */
export function requestIdOf(key: string): string {
  return createHash('sha256').update(`arrears:${key}`).digest('hex').slice(0, 36);
}

export interface FeeInvoice {
  customerId: string;
  amountCents: number;
  description: string;
  itemId: string;
  txnDate: string;
  dueDate: string;
  docNumber: string;
  key: string;
}

export function feeInvoiceBody(f: FeeInvoice): Json {
  return {
    CustomerRef: { value: f.customerId },
    DocNumber: f.docNumber,
    TxnDate: f.txnDate,
    DueDate: f.dueDate,
    PrivateNote: `Arrears ${f.key}`,
    Line: [
      {
        Amount: dollars(f.amountCents),
        DetailType: 'SalesItemLineDetail',
        Description: f.description,
        SalesItemLineDetail: {
          ItemRef: { value: f.itemId },
          Qty: 1,
          UnitPrice: dollars(f.amountCents),
        },
      },
    ],
  };
}
