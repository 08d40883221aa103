/**
 * Fees assessed vs collected vs waived (SPEC 8), by kind, for a period.
 *
 * A fee is a ledger charge of category `fee`. Its kind is the policy's (`late`, `lien`,
 * `admin`) when the engine posted it (its id is the outbox key of a `fee` item, whose
 * payload names the kind), else `other` (fees imported from the source system).
 *
 * - `assessed`: fees dated in the period (count and amount), less those reversed;
 * - `collected`: payments dated in the period applied to fees (R1 with the pool spent first
 *   in, first out: attribution.ts);
 * - `waived`: fee credits dated in the period (`arrears fee waive` writes one per posted
 *   fee, naming it), by the kind of the fee each names;
 * - `writtenOff`: write-offs dated in the period applied to fees;
 * - `outstanding`: fees of any date still unpaid at the end of `to`;
 * - `waivedBeforePosting`: fees waived while still in the outbox (never assessed; their
 *   cancellation dated in the period), kept apart so that assessed − collected − waived
 *   still adds up.
 *
 * Dates are the ledger's local dates; a cancellation's instant is read in the lease's
 * property's time zone. Rows: late, lien, admin, other, then any other kind. Pure.
 */
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import type { LedgerEntry } from '../portfolio/schema.js';
import { attribute } from './attribution.js';
import { cmp, inPeriod, ReportIndex, type Period } from './common.js';
import { csvTable, money } from './csv.js';
import { left, periodScope, right, usd, type ReportDocument } from './document.js';
import type { ReportData } from './report-data.js';

export const FEE_KIND_ORDER = ['late', 'lien', 'admin', 'other'];

export interface FeeFigures {
  assessedCount: number;
  assessedCents: Cents;
  collectedCents: Cents;
  waivedCents: Cents;
  writtenOffCents: Cents;
  outstandingCents: Cents;
  waivedBeforePostingCount: number;
  waivedBeforePostingCents: Cents;
}

export interface FeeRow extends FeeFigures {
  kind: string;
}

export interface FeesReport {
  from: LocalDate;
  to: LocalDate;
  totals: FeeFigures;
  rows: FeeRow[];
}

function zero(): FeeFigures {
  return {
    assessedCount: 0,
    assessedCents: 0,
    collectedCents: 0,
    waivedCents: 0,
    writtenOffCents: 0,
    outstandingCents: 0,
    waivedBeforePostingCount: 0,
    waivedBeforePostingCents: 0,
  };
}

const FIELDS = Object.keys(zero()) as (keyof FeeFigures)[];

export function feesReport(data: ReportData, period: Period): FeesReport {
  const ix = new ReportIndex(data);
  const kinds = new Map<string, FeeRow>();
  const row = (kind: string): FeeRow => {
    let r = kinds.get(kind);
    if (!r) {
      r = { kind, ...zero() };
      kinds.set(kind, r);
    }
    return r;
  };
  const kindOf = (chargeId: string | undefined): string => {
    const item = chargeId !== undefined ? ix.item(chargeId) : undefined;
    return item && item.type === 'fee' ? (item.payload.feeKind ?? 'other') : 'other';
  };

  const ledgerByLease = new Map<string, LedgerEntry[]>();
  for (const e of data.portfolio.ledger) {
    if (e.date > period.to) continue;
    const list = ledgerByLease.get(e.leaseId);
    if (list) list.push(e);
    else ledgerByLease.set(e.leaseId, [e]);
  }
  for (const entries of ledgerByLease.values()) {
    const att = attribute(entries);
    const fees = new Map(att.charges.filter((c) => c.category === 'fee').map((c) => [c.id, c]));
    for (const c of fees.values()) {
      const r = row(kindOf(c.id));
      if (inPeriod(c.date, period)) {
        r.assessedCount++;
        r.assessedCents += c.amountCents;
      }
      r.outstandingCents += att.unpaid.get(c.id) ?? 0;
    }
    for (const a of att.applications) {
      if (!fees.has(a.charge.id) || !inPeriod(a.entry.date, period)) continue;
      if (a.entry.type === 'payment') row(kindOf(a.charge.id)).collectedCents += a.cents;
      else if (a.entry.type === 'writeoff') row(kindOf(a.charge.id)).writtenOffCents += a.cents;
    }
    const reversed = new Set(entries.filter((e) => e.type === 'reversal').map((e) => e.reverses));
    for (const e of entries)
      if (
        e.type === 'credit' &&
        e.category === 'fee' &&
        !reversed.has(e.id) &&
        inPeriod(e.date, period)
      )
        row(kindOf(e.appliesTo)).waivedCents += e.amountCents;
  }

  // Fees waived before they were posted: the outbox item's cancellation.
  for (const t of data.transitions) {
    if (t.to !== 'cancelled' || !(t.reason ?? '').startsWith('waived')) continue;
    const item = ix.item(t.key);
    if (!item || item.type !== 'fee') continue;
    if (!inPeriod(ix.localDate(t.at, item.leaseId), period)) continue;
    const r = row(item.payload.feeKind ?? 'other');
    r.waivedBeforePostingCount++;
    r.waivedBeforePostingCents += item.amountCents ?? 0;
  }

  const rows = [...kinds.values()]
    .filter((r) => FIELDS.some((f) => r[f] !== 0))
    .sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || cmp(a.kind, b.kind));
  const totals = zero();
  for (const r of rows) for (const f of FIELDS) totals[f] += r[f];
  return { from: period.from, to: period.to, totals, rows };
}

function kindRank(kind: string): number {
  const i = FEE_KIND_ORDER.indexOf(kind);
  return i < 0 ? FEE_KIND_ORDER.length : i;
}

// ---------------------------------------------------------------------- CSV and PDF

const figures = (f: FeeFigures) => [
  f.assessedCount,
  money(f.assessedCents),
  money(f.collectedCents),
  money(f.waivedCents),
  money(f.writtenOffCents),
  money(f.outstandingCents),
  f.waivedBeforePostingCount,
  money(f.waivedBeforePostingCents),
];

export function feesReportCsv(report: FeesReport): string {
  return csvTable(
    [
      'kind',
      'assessedCount',
      'assessed',
      'collected',
      'waived',
      'writtenOff',
      'outstanding',
      'waivedBeforePostingCount',
      'waivedBeforePosting',
    ],
    [...report.rows.map((r) => [r.kind, ...figures(r)]), ['TOTAL', ...figures(report.totals)]],
  );
}

export function feesReportDocument(report: FeesReport, organisation: string): ReportDocument {
  const t = report.totals;
  const cells = (f: FeeFigures) => [
    String(f.assessedCount),
    usd(f.assessedCents),
    usd(f.collectedCents),
    usd(f.waivedCents),
    usd(f.writtenOffCents),
    usd(f.outstandingCents),
    f.waivedBeforePostingCount === 0
      ? ''
      : `${f.waivedBeforePostingCount} (${usd(f.waivedBeforePostingCents)})`,
  ];
  return {
    title: 'Fees',
    organisation,
    scope: periodScope(report.from, report.to, report.to),
    date: report.to,
    summary: [
      { label: 'Assessed', value: `${t.assessedCount} fees, ${usd(t.assessedCents)}` },
      { label: 'Collected', value: usd(t.collectedCents) },
      { label: 'Waived', value: usd(t.waivedCents) },
      { label: 'Written off', value: usd(t.writtenOffCents) },
      { label: 'Outstanding at the end', value: usd(t.outstandingCents) },
      {
        label: 'Waived before posting',
        value: `${t.waivedBeforePostingCount} (${usd(t.waivedBeforePostingCents)})`,
      },
    ],
    blocks: [
      {
        kind: 'table',
        heading: 'By kind',
        columns: [
          left('Kind'),
          right('Count', 0.6),
          right('Assessed'),
          right('Collected'),
          right('Waived'),
          right('Written off'),
          right('Outstanding'),
          right('Waived before posting', 1.3),
        ],
        rows: report.rows.map((r) => [r.kind, ...cells(r)]),
        total: ['Total', ...cells(t)],
        empty: 'No fee was assessed, paid or waived in the period.',
      },
    ],
  };
}
