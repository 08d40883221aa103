/**
 * The aging report of SPEC 8 and the exact `report aging --json` shape of SPEC 9:
 *
 *   {"asOf", "buckets": {"current","1-30","31-60","61-90","90+"}, "unappliedCreditCents",
 *    "totalCents", "rows": [{"leaseId","tenant","property","propertyId","unit","buckets",
 *    "unappliedCreditCents","totalCents"}]}
 *
 * Per lease, the entries dated on or before `asOf` are allocated by R1; each charge's
 * unpaid amount goes to the bucket of its age `asOf − dueDate` in days: `current` when 0 or
 * less (due today or later: not yet past due, since a charge is past due only when
 * `asOf > dueDate`), then 1–30, 31–60, 61–90 and 90+ (91 days and more). Payments, credits
 * and write-offs not allocated to any charge are `unappliedCreditCents`, and
 * `totalCents = sum(buckets) − unappliedCreditCents`, which is the ledger balance (charges
 * − payments, credits and write-offs in effect; a reversal cancels the entry it reverses).
 * Every category counts (deposits too): the report is the ledger, not the trigger.
 *
 * Rows: every lease with a non-zero bucket, unapplied credit or total, sorted by
 * `totalCents` descending then lease id (code-unit order). The overall figures are the sums
 * of the rows; a credit on one lease never offsets another lease's charges.
 *
 * `agingReportCsv` writes the same report as CSV (RFC 4180 quoting, `\n` line ends): a
 * header, one line per row, and a `TOTAL` line. Amounts are in currency units with two
 * decimals (`1500.00`), so a spreadsheet reads them as numbers; text cells go through the
 * shared, formula-injection safe `csvText` of csv.ts.
 *
 * Pure: the portfolio and the date are arguments.
 */
import type { LocalDate } from '../dates.js';
import { AGING_BUCKETS, agingOf, emptyBuckets, type AgingBuckets } from '../ledger/aging.js';
import { allocate } from '../ledger/allocation.js';
import type { Cents } from '../money.js';
import type { LedgerEntry, Portfolio } from '../portfolio/schema.js';
import { csvTable, money, type MoneyCell } from './csv.js';

// The shared CSV helpers (formula-injection safe text, decimal amounts), as before.
export { csvText, decimal } from './csv.js';

export interface AgingRow {
  leaseId: string;
  /** The primary tenant's name (the first primary on the lease, else its first tenant). */
  tenant: string;
  /** The property's name. */
  property: string;
  propertyId: string;
  unit: string;
  buckets: AgingBuckets;
  unappliedCreditCents: Cents;
  totalCents: Cents;
}

export interface AgingReport {
  asOf: LocalDate;
  buckets: AgingBuckets;
  unappliedCreditCents: Cents;
  totalCents: Cents;
  rows: AgingRow[];
}

export function agingReport(portfolio: Portfolio, asOf: LocalDate): AgingReport {
  const properties = new Map(portfolio.properties.map((p) => [p.id, p]));
  const tenants = new Map(portfolio.tenants.map((t) => [t.id, t]));
  const ledgerByLease = new Map<string, LedgerEntry[]>();
  for (const e of portfolio.ledger) {
    if (e.date > asOf) continue;
    const list = ledgerByLease.get(e.leaseId);
    if (list) list.push(e);
    else ledgerByLease.set(e.leaseId, [e]);
  }

  const rows: AgingRow[] = [];
  for (const lease of portfolio.leases) {
    const allocation = allocate(ledgerByLease.get(lease.id) ?? []);
    const buckets = agingOf(allocation, asOf);
    const unappliedCreditCents = allocation.unappliedCents;
    const owed = sumBuckets(buckets);
    if (owed === 0 && unappliedCreditCents === 0) continue; // nothing owed, nothing on account
    const totalCents = owed - unappliedCreditCents;
    const people = lease.tenantIds.map((id) => tenants.get(id)).filter((t) => t !== undefined);
    const primary = people.find((t) => t.role === 'primary') ?? people[0];
    rows.push({
      leaseId: lease.id,
      tenant: primary?.name ?? '',
      property: properties.get(lease.propertyId)?.name ?? '',
      propertyId: lease.propertyId,
      unit: lease.unit,
      buckets,
      unappliedCreditCents,
      totalCents,
    });
  }
  rows.sort((a, b) => b.totalCents - a.totalCents || cmp(a.leaseId, b.leaseId));

  const buckets = emptyBuckets();
  let unappliedCreditCents = 0;
  let totalCents = 0;
  for (const r of rows) {
    for (const b of AGING_BUCKETS) buckets[b] += r.buckets[b];
    unappliedCreditCents += r.unappliedCreditCents;
    totalCents += r.totalCents;
  }
  return { asOf, buckets, unappliedCreditCents, totalCents, rows };
}

export function sumBuckets(buckets: AgingBuckets): Cents {
  let sum = 0;
  for (const b of AGING_BUCKETS) sum += buckets[b];
  return sum;
}

export const AGING_CSV_HEADER = [
  'leaseId',
  'tenant',
  'property',
  'propertyId',
  'unit',
  ...AGING_BUCKETS,
  'unappliedCredit',
  'total',
] as const;

export function agingReportCsv(report: AgingReport): string {
  return csvTable(AGING_CSV_HEADER, [
    ...report.rows.map((r) => [
      r.leaseId,
      r.tenant,
      r.property,
      r.propertyId,
      r.unit,
      ...amounts(r.buckets, r.unappliedCreditCents, r.totalCents),
    ]),
    [
      'TOTAL',
      '',
      '',
      '',
      '',
      ...amounts(report.buckets, report.unappliedCreditCents, report.totalCents),
    ],
  ]);
}

function amounts(buckets: AgingBuckets, unapplied: Cents, total: Cents): MoneyCell[] {
  return [...AGING_BUCKETS.map((b) => money(buckets[b])), money(unapplied), money(total)];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
