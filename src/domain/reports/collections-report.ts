/**
 * Collection rate and dollars recovered (SPEC 8), per property and in total, for a period.
 *
 * For each lease (charges of its policy's trigger categories; everything but deposits when
 * no policy covers it), with the ledger in effect at the end of `to` and R1 allocation
 * (attribution.ts names which entry paid which charge):
 *
 * - `openingPastDueCents`: past due at the end of the day before the period (`from − 1`),
 *   as the aging report counts it on that date (unpaid charges due before it);
 * - `closingPastDueCents`: past due at the end of `to`, the same way;
 * - `recoveredCents`: payments dated in the period applied to charges already past due on
 *   the payment's date (`dueDate < payment date`) — money recovered from delinquent
 *   balances; a payment on or before the due date is on time, not a recovery;
 * - `adjustedCents`: credits and write-offs dated in the period applied the same way (not
 *   cash: waivers, concessions, bad debt);
 * - `collectibleCents = closingPastDueCents + recoveredCents + adjustedCents`: everything
 *   that was delinquent at some point in the period (past due at its start, or fallen past
 *   due during it, reversed payments included) was recovered, credited, or is still past
 *   due at its end;
 * - `collectionRate = recovered / collectible` (null when nothing was collectible);
 * - `paymentsCents`: every payment dated in the period, late or not, less reversals in effect.
 *
 * Charge-scoped holds do not change these figures: a disputed charge is still owed.
 * Rows: property name, then id. Pure.
 */
import { addDays, type LocalDate } from '../dates.js';
import { allocate, pastDueOn } from '../ledger/allocation.js';
import type { Cents } from '../money.js';
import type { LedgerEntry } from '../portfolio/schema.js';
import { attribute } from './attribution.js';
import { cmp, inPeriod, ratio, ReportIndex, type Period } from './common.js';
import { csvTable, money, rate } from './csv.js';
import { left, percent, periodScope, right, usd, type ReportDocument } from './document.js';
import type { ReportData } from './report-data.js';

export interface CollectionFigures {
  openingPastDueCents: Cents;
  closingPastDueCents: Cents;
  recoveredCents: Cents;
  adjustedCents: Cents;
  collectibleCents: Cents;
  collectionRate: number | null;
  paymentsCents: Cents;
  /** Leases with some recovery in the period. */
  leasesRecovered: number;
}

export interface CollectionsRow extends CollectionFigures {
  propertyId: string;
  property: string;
}

export interface CollectionsReport {
  from: LocalDate;
  to: LocalDate;
  totals: CollectionFigures;
  rows: CollectionsRow[];
}

function zero(): CollectionFigures {
  return {
    openingPastDueCents: 0,
    closingPastDueCents: 0,
    recoveredCents: 0,
    adjustedCents: 0,
    collectibleCents: 0,
    collectionRate: null,
    paymentsCents: 0,
    leasesRecovered: 0,
  };
}

/** One lease's figures for the period. */
export function leaseCollections(
  ledger: readonly LedgerEntry[],
  categories: ReadonlySet<string>,
  period: Period,
): CollectionFigures {
  const before = addDays(period.from, -1);
  const opening = pastDueOn(
    allocate(ledger.filter((e) => e.date <= before)),
    before,
    categories,
  ).pastDueCents;
  const atEnd = ledger.filter((e) => e.date <= period.to);
  const att = attribute(atEnd);
  const closing = pastDueOn(allocate(atEnd), period.to, categories).pastDueCents;
  let recovered = 0;
  let adjusted = 0;
  for (const a of att.applications) {
    if (!inPeriod(a.entry.date, period) || !categories.has(a.charge.category)) continue;
    if (!(a.charge.dueDate < a.entry.date)) continue;
    if (a.entry.type === 'payment') recovered += a.cents;
    else adjusted += a.cents;
  }
  const reversed = new Set(atEnd.filter((e) => e.type === 'reversal').map((e) => e.reverses));
  let payments = 0;
  for (const e of atEnd)
    if (e.type === 'payment' && !reversed.has(e.id) && inPeriod(e.date, period))
      payments += e.amountCents;
  const collectible = closing + recovered + adjusted;
  return {
    openingPastDueCents: opening,
    closingPastDueCents: closing,
    recoveredCents: recovered,
    adjustedCents: adjusted,
    collectibleCents: collectible,
    collectionRate: ratio(recovered, collectible),
    paymentsCents: payments,
    leasesRecovered: recovered > 0 ? 1 : 0,
  };
}

function add(into: CollectionFigures, f: CollectionFigures): void {
  into.openingPastDueCents += f.openingPastDueCents;
  into.closingPastDueCents += f.closingPastDueCents;
  into.recoveredCents += f.recoveredCents;
  into.adjustedCents += f.adjustedCents;
  into.collectibleCents += f.collectibleCents;
  into.paymentsCents += f.paymentsCents;
  into.leasesRecovered += f.leasesRecovered;
  into.collectionRate = ratio(into.recoveredCents, into.collectibleCents);
}

export function collectionsReport(data: ReportData, period: Period): CollectionsReport {
  const ix = new ReportIndex(data);
  const ledgerByLease = new Map<string, LedgerEntry[]>();
  for (const e of data.portfolio.ledger) {
    const list = ledgerByLease.get(e.leaseId);
    if (list) list.push(e);
    else ledgerByLease.set(e.leaseId, [e]);
  }
  const byProperty = new Map<string, CollectionsRow>();
  const totals = zero();
  for (const lease of data.portfolio.leases) {
    const f = leaseCollections(ledgerByLease.get(lease.id) ?? [], ix.categories(lease.id), period);
    let row = byProperty.get(lease.propertyId);
    if (!row) {
      row = { propertyId: lease.propertyId, property: ix.propertyName(lease), ...zero() };
      byProperty.set(lease.propertyId, row);
    }
    add(row, f);
    add(totals, f);
  }
  const rows = [...byProperty.values()]
    .filter((r) => r.collectibleCents !== 0 || r.paymentsCents !== 0 || r.openingPastDueCents !== 0)
    .sort((a, b) => cmp(a.property, b.property) || cmp(a.propertyId, b.propertyId));
  return { from: period.from, to: period.to, totals, rows };
}

// ---------------------------------------------------------------------- CSV and PDF

const figures = (f: CollectionFigures) => [
  money(f.openingPastDueCents),
  money(f.closingPastDueCents),
  money(f.recoveredCents),
  money(f.adjustedCents),
  money(f.collectibleCents),
  rate(f.collectionRate),
  money(f.paymentsCents),
  f.leasesRecovered,
];

export function collectionsReportCsv(report: CollectionsReport): string {
  return csvTable(
    [
      'propertyId',
      'property',
      'openingPastDue',
      'closingPastDue',
      'recovered',
      'adjusted',
      'collectible',
      'collectionRate',
      'payments',
      'leasesRecovered',
    ],
    [
      ...report.rows.map((r) => [r.propertyId, r.property, ...figures(r)]),
      ['TOTAL', null, ...figures(report.totals)],
    ],
  );
}

export function collectionsReportDocument(
  report: CollectionsReport,
  organisation: string,
): ReportDocument {
  const t = report.totals;
  const cells = (f: CollectionFigures) => [
    usd(f.openingPastDueCents),
    usd(f.recoveredCents),
    usd(f.adjustedCents),
    usd(f.closingPastDueCents),
    usd(f.collectibleCents),
    percent(f.collectionRate),
    usd(f.paymentsCents),
  ];
  return {
    title: 'Collections',
    organisation,
    scope: periodScope(report.from, report.to, report.to),
    date: report.to,
    summary: [
      { label: 'Dollars recovered from past-due balances', value: usd(t.recoveredCents) },
      { label: 'Collection rate (recovered / collectible)', value: percent(t.collectionRate) },
      { label: 'Past due at the start', value: usd(t.openingPastDueCents) },
      { label: 'Past due at the end', value: usd(t.closingPastDueCents) },
      { label: 'Credits and write-offs on past-due charges', value: usd(t.adjustedCents) },
      { label: 'All payments received', value: usd(t.paymentsCents) },
    ],
    blocks: [
      {
        kind: 'table',
        heading: 'By property',
        columns: [
          left('Property', 1.6),
          right('Past due at start'),
          right('Recovered'),
          right('Credits / write-offs'),
          right('Past due at end'),
          right('Collectible'),
          right('Rate', 0.7),
          right('Payments'),
        ],
        rows: report.rows.map((r) => [r.property || r.propertyId, ...cells(r)]),
        total: ['Total', ...cells(t)],
        empty: 'Nothing was past due or paid in the period.',
      },
      {
        kind: 'text',
        lines: [
          'Recovered: payments in the period applied to charges already past due on the payment date. Collectible: past due at the end plus what was recovered, credited or written off in the period.',
        ],
      },
    ],
  };
}
