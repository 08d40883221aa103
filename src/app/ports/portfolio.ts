/** Stored portfolio data: what imports write and what scans and re-checks read. */
import type { LedgerEntry, Portfolio, PortfolioEvent } from '../../domain/portfolio/schema.js';
import { unpackLedger } from './ledger-text.js';

/**
 * A portfolio slice whose ledger is still text, one per lease (lease id → its ledger text,
 * ledger-text.ts, with the entries in any order; a lease without entries has none).
 */
export type PortfolioWithLedgerText = Omit<Portfolio, 'ledger'> & {
  ledgerText: ReadonlyMap<string, string>;
};

/**
 * One lease's ledger entries from a slice whose ledger is still text, by date then id (the
 * order every other read gives). The database need not sort them: sorting two dozen
 * entries per lease was half of what reading a scan's ledgers cost it, and they usually
 * come in date order from its index already, which this only checks.
 */
export function leaseLedger(slice: PortfolioWithLedgerText, leaseId: string): LedgerEntry[] {
  const text = slice.ledgerText.get(leaseId);
  if (text === undefined) return [];
  const entries = unpackLedger(text, leaseId);
  for (let i = 1; i < entries.length; i++)
    if (byDateThenId(entries[i - 1]!, entries[i]!) > 0) return entries.sort(byDateThenId);
  return entries;
}

function byDateThenId(a: LedgerEntry, b: LedgerEntry): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface SaveOptions {
  /** `import`, `cli`, `http`, `webhook:<connector>` … recorded on rows and in the audit log. */
  source: string;
  actor: string;
  /** ISO instant of the write. */
  at: string;
  /** A whole file: re-importing the same bytes is a no-op. */
  file?: { name: string; sha256: string; format: string };
  /**
   * A snapshot export (aging buckets) replaces what the previous one said: ledger entries
   * of these leases whose id contains `idMarker` and is not in `keepIds` are removed.
   */
  supersede?: { leaseIds: string[]; idMarker: string; keepIds: string[] };
}

export interface SaveResult {
  /** The same file was imported before: nothing was written. */
  alreadyImported: boolean;
  /** Leases whose stored data (lease, its tenants, property, ledger, events, cases) changed. */
  changedLeaseIds: string[];
  counts: Record<string, { inserted: number; updated: number; unchanged: number }>;
}

/**
 * Every write below marks the leases it changed for the next scan (lease_state.changed_at)
 * in its own transaction: a change and its mark commit together.
 */
export interface PortfolioStore {
  /** Upserts every entity of `portfolio` by id in one transaction, with its audit entry. */
  savePortfolio(orgId: string, portfolio: Portfolio, options: SaveOptions): Promise<SaveResult>;
  /** Appends events (deduplicated by content) and reports the leases they reach. */
  addEvents(orgId: string, events: PortfolioEvent[], options: SaveOptions): Promise<SaveResult>;
  /** Adds ledger entries the engine itself creates (posted fees, waivers); existing ids are kept. */
  addLedgerEntries(
    orgId: string,
    entries: LedgerEntry[],
    options: SaveOptions,
  ): Promise<SaveResult>;
  /** The stored portfolio, or the slice needed to evaluate `leaseIds` (their properties,
   * tenants, ledger, onboarded cases and every event that reaches them). */
  loadPortfolio(orgId: string, leaseIds?: readonly string[]): Promise<Portfolio>;
  /**
   * `loadPortfolio` of `leaseIds` for a scan: the ledger (most of a slice) stays text, one
   * ledger text per lease (ledger-text.ts), read where the slice is evaluated (a scan's
   * worker thread) instead of on the thread that reads and writes the database, one lease at
   * a time.
   */
  loadSliceForScan(orgId: string, leaseIds: readonly string[]): Promise<PortfolioWithLedgerText>;
  leaseIds(orgId: string): Promise<string[]>;
  propertyIds(orgId: string): Promise<Set<string>>;
  /** Which of `ids` are stored leases, tenants or properties of the organisation. */
  knownIds(
    orgId: string,
    kind: 'leases' | 'tenants' | 'properties',
    ids: readonly string[],
  ): Promise<Set<string>>;
}

/** The leases a tenant is on, with their property's time zone. */
export interface TenantLeases {
  leasesOfTenant(orgId: string, tenantId: string): Promise<{ leaseId: string; timezone: string }[]>;
}
