/**
 * Buildium's Open API records → SPEC 3.1 rows (pure; reference §16, field names as the
 * OpenAPI-generated SDKs spell them). Ids are namespaced so a re-pull upserts:
 * `bld-prop-<Id>`, `bld-lease-<Id>`, `bld-tenant-<Id>`, `bld-txn-<Id>`.
 */
import type { ProviderError } from '../outcomes.js';
import { STATES, stateCodeOf } from './states.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
const int = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) ? v : undefined;

export const ids = {
  property: (id: number) => `bld-prop-${id}`,
  lease: (id: number) => `bld-lease-${id}`,
  tenant: (id: number) => `bld-tenant-${id}`,
  transaction: (id: number) => `bld-txn-${id}`,
};

/** A Buildium decimal amount (`1500.00`) in whole cents. */
export function centsOf(amount: unknown): number | undefined {
  const n = typeof amount === 'string' ? Number(amount) : amount;
  return typeof n === 'number' && Number.isFinite(n) ? Math.round(n * 100) : undefined;
}

/** `2026-10-01` from `2026-10-01` or `2026-10-01T00:00:00`. */
const dateOf = (v: unknown) => {
  const s = str(v);
  return s !== undefined && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : undefined;
};

/** `lastupdatedfrom` wants UTC as `YYYY-MM-DDTHH:MM:SSZ`. */
export function lastUpdatedParam(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------
// Properties

export interface PropertyDefaults {
  /** ARREARS_BUILDIUM_STATE: every property's state (`CA` or `US-CA`). */
  state?: string;
  /** ARREARS_BUILDIUM_TIMEZONE: every property's IANA zone. */
  timezone?: string;
}

export type Mapped<T> =
  { ok: true; id: number; row: T } | { ok: false; id: number; reason: string };

/** A rental property; refused (to be skipped and logged) when its state is unknown. */
export function propertyOf(rental: unknown, d: PropertyDefaults): Mapped<Json> | null {
  if (!isObject(rental) || int(rental.Id) === undefined) return null;
  const id = int(rental.Id)!;
  const address = isObject(rental.Address) ? rental.Address : {};
  const state = stateCodeOf(d.state) ?? stateCodeOf(address.State);
  if (state === undefined)
    return {
      ok: false,
      id,
      reason: `rental ${id} has no US state in its address; set ARREARS_BUILDIUM_STATE`,
    };
  const line1 = str(address.AddressLine1);
  const city = str(address.City);
  const postalCode = str(address.PostalCode);
  const line2 = [str(address.AddressLine2), str(address.AddressLine3)].filter(Boolean).join(', ');
  const units = int(rental.NumberUnits);
  return {
    ok: true,
    id,
    row: {
      id: ids.property(id),
      name: str(rental.Name) ?? `Buildium rental ${id}`,
      timezone: d.timezone ?? STATES[state]![1],
      jurisdiction: `US-${state}`,
      // Buildium rentals are Residential or Commercial; associations are not rentals.
      kind: rental.RentalType === 'Commercial' ? 'commercial' : 'residential',
      ...(line1 && city && postalCode
        ? {
            address: {
              line1,
              ...(line2 ? { line2 } : {}),
              city,
              region: state,
              postalCode,
              country: 'US',
            },
          }
        : {}),
      ...(units !== undefined && units > 0 ? { unitCount: units } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------
// Tenants and leases

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE_PREFERENCE = ['Cell', 'Mobile', 'Home', 'Work'];

/** A US phone as E.164 (`(415) 555-0101` → `+14155550101`); undefined when unsure. */
export function e164Of(raw: unknown): string | undefined {
  const s = str(raw);
  if (s === undefined) return undefined;
  if (s.startsWith('+')) {
    const digits = s.slice(1).replace(/\D/g, '');
    return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : undefined;
  }
  const digits = s.replace(/\D/g, '');
  if (digits.length === 10 && /^[2-9]/.test(digits)) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
  return undefined;
}

function phoneOf(phones: unknown): string | undefined {
  if (!Array.isArray(phones)) return undefined;
  const list = phones.filter(isObject);
  const ranked = [...list].sort((a, b) => rank(a.Type) - rank(b.Type));
  for (const p of ranked) {
    const phone = e164Of(p.Number);
    if (phone) return phone;
  }
  return undefined;
}
const rank = (type: unknown) => {
  const i = PHONE_PREFERENCE.indexOf(typeof type === 'string' ? type : '');
  return i < 0 ? PHONE_PREFERENCE.length : i;
};

export function tenantOf(t: unknown): Json | null {
  if (!isObject(t) || int(t.Id) === undefined) return null;
  const id = int(t.Id)!;
  const name = [str(t.FirstName), str(t.LastName)].filter(Boolean).join(' ');
  const email = str(t.Email);
  const phone = phoneOf(t.PhoneNumbers);
  return {
    id: ids.tenant(id),
    name: name || `Buildium tenant ${id}`,
    ...(email && EMAIL.test(email) ? { email } : {}),
    ...(phone ? { phone } : {}),
  };
}

/** A lease with its current tenants; refused when it has none (nobody to write to). */
export function leaseOf(lease: unknown): Mapped<{ lease: Json; tenants: Json[] }> | null {
  if (!isObject(lease) || int(lease.Id) === undefined || int(lease.PropertyId) === undefined)
    return null;
  const id = int(lease.Id)!;
  const tenants = (Array.isArray(lease.CurrentTenants) ? lease.CurrentTenants : [])
    .map(tenantOf)
    .filter((t): t is Json => t !== null);
  if (tenants.length === 0) return { ok: false, id, reason: `lease ${id} has no current tenants` };
  const rent = centsOf(isObject(lease.AccountDetails) ? lease.AccountDetails.Rent : undefined);
  const start = dateOf(lease.LeaseFromDate);
  const end = dateOf(lease.LeaseToDate);
  const status = str(lease.LeaseStatus);
  return {
    ok: true,
    id,
    row: {
      lease: {
        id: ids.lease(id),
        propertyId: ids.property(int(lease.PropertyId)!),
        unit:
          str(lease.UnitNumber) ?? (int(lease.UnitId) !== undefined ? String(lease.UnitId) : ''),
        tenantIds: tenants.map((t) => t.id as string),
        ...(rent !== undefined && rent >= 0 ? { rentCents: rent } : {}),
        ...(status ? { status: status.toLowerCase() } : {}),
        ...(start ? { startDate: start } : {}),
        ...(end ? { endDate: end } : {}),
      },
      tenants,
    },
  };
}

// ---------------------------------------------------------------------------------------
// Ledger

/** The transaction types read from `/leases/{id}/transactions` (reference §16). */
export const TRANSACTION_TYPES = ['Charge', 'Payment', 'Credit', 'ReversePayment', 'Refund'];

const CATEGORY_RULES: [RegExp, string][] = [
  [/deposit/i, 'deposit'],
  [/late|fee|nsf|penalt/i, 'fee'],
  [/util|water|sewer|electric|gas|trash|garbage/i, 'utility'],
  [/rent/i, 'rent'],
];

/** The category of a charge from the GL account of its largest journal line. */
function categoryOf(journal: unknown): string {
  const lines =
    isObject(journal) && Array.isArray(journal.Lines) ? journal.Lines.filter(isObject) : [];
  const largest = [...lines].sort(
    (a, b) => Math.abs(centsOf(b.Amount) ?? 0) - Math.abs(centsOf(a.Amount) ?? 0),
  )[0];
  const account = largest?.GLAccount;
  const name = isObject(account) ? str(account.Name) : str(account);
  for (const [rule, category] of CATEGORY_RULES) if (name && rule.test(name)) return category;
  return 'other';
}

/**
 * A lease transaction as a ledger entry, or null for a type that does not move the
 * tenant's balance (or a zero amount). A ReversePayment or Refund owes money again; the
 * reversed payment is not linked in Buildium's answer (~), so it becomes a charge due that
 * day rather than a `reversal` of a named payment.
 */
export function entryOf(txn: unknown, leaseId: number): Json | null {
  if (!isObject(txn) || int(txn.Id) === undefined) return null;
  const date = dateOf(txn.Date);
  const cents = centsOf(txn.TotalAmount);
  if (date === undefined || cents === undefined || cents === 0) return null;
  const journal = isObject(txn.Journal) ? txn.Journal : {};
  const memo = str(journal.Memo)?.slice(0, 200);
  const base = {
    id: ids.transaction(int(txn.Id)!),
    leaseId: ids.lease(leaseId),
    date,
    amountCents: Math.abs(cents),
  };
  switch (txn.TransactionType) {
    case 'Charge':
      return {
        ...base,
        type: 'charge',
        category: categoryOf(journal),
        dueDate: date,
        ...(memo ? { memo } : {}),
      };
    case 'Payment':
      return { ...base, type: 'payment', ...(memo ? { memo } : {}) };
    case 'Credit':
      return { ...base, type: 'credit', ...(memo ? { memo } : {}) };
    case 'ReversePayment':
    case 'Refund':
      return {
        ...base,
        type: 'charge',
        category: 'other',
        dueDate: date,
        memo: `Buildium ${txn.TransactionType as string}${memo ? `: ${memo}` : ''}`,
      };
    default:
      return null;
  }
}

/** An outstanding-balances row → a balance to reconcile. */
export function balanceOf(
  row: unknown,
): { leaseId: string; balanceCents: number; lease: number; property: number | undefined } | null {
  if (!isObject(row) || int(row.LeaseId) === undefined) return null;
  const cents = centsOf(row.TotalBalance);
  if (cents === undefined) return null;
  return {
    leaseId: ids.lease(int(row.LeaseId)!),
    balanceCents: cents,
    lease: int(row.LeaseId)!,
    property: int(row.PropertyId),
  };
}

/** `{"UserMessage": "…", "ResponseStatus": 400, "Errors": [{"Key", "Value"}]}` (~). */
export function buildiumErrorOf(json: unknown, status: number): ProviderError | undefined {
  if (!isObject(json)) return undefined;
  const message = str(json.UserMessage) ?? str(json.Message);
  const errors = Array.isArray(json.Errors) ? json.Errors.filter(isObject) : [];
  const first = errors[0];
  const detail = first ? `${str(first.Key) ?? ''}: ${str(first.Value) ?? ''}`.trim() : '';
  if (message === undefined && detail === '') return undefined;
  return {
    code: str(json.ErrorCode) ?? String(int(json.ResponseStatus) ?? status),
    message: [message, detail].filter(Boolean).join(' — '),
  };
}
