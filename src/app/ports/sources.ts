/**
 * Data sources (SPEC 11 "balances in"): accounting, payments and property systems that
 * Arrears reads leases, tenants and ledger entries from. The sync engine (app/sync-source.ts)
 * pulls pages since the stored cursor, maps them into the portfolio, reconciles against the
 * provider's own balances and records the source's `lastSyncAt` (R8 `stale_ledger`).
 */

/** One page of what changed at the provider since a cursor, in SPEC 3.1 shapes. */
export interface SourcePage {
  properties?: Record<string, unknown>[];
  tenants?: Record<string, unknown>[];
  leases?: Record<string, unknown>[];
  ledger?: Record<string, unknown>[];
  /** The provider's balance per lease (cents), to reconcile against the ledger we hold. */
  balances?: { leaseId: string; balanceCents: number }[];
  /** The cursor to store once this page is saved; null keeps the previous one. */
  cursor: string | null;
  /** Another page follows. */
  more: boolean;
}

export interface DataSourcePort {
  /** The page after `cursor` (null: a full pull from the start). */
  pull(cursor: string | null, signal?: AbortSignal): Promise<SourcePage>;
}
