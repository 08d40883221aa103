/**
 * Promises to pay (SPEC 8 "promises kept/broken"): every promise made in the period (a
 * `promise` event dated from `from` through `to`, e.g. confirmed from a tenant's reply) and
 * how it stands on `asOf`, by the rules the evaluator and readiness use
 * (readiness/lease-facts.ts):
 *
 * - `kept`: the promised amount was paid (payments and credits since the promise was made);
 * - `broken`: not paid by the end of its `until` date;
 * - `released`: the case was cured another way, or staff released the hold;
 * - `open`: still running on `asOf` (a promise due on `asOf` is broken only at the day's end).
 *
 * A promise with no amount promises the past-due amount on the day it was made. `paidCents`
 * is what was paid from the day it was made through its `until` date (or `asOf`, if
 * earlier), less reversed payments. `keptRate = kept / (kept + broken)`: of the promises
 * that came to an end either way, the share kept (null when none did).
 *
 * Rows: by date made, then lease id, then until. Only leases a policy covers are replayed.
 * Pure.
 */
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import type { PromiseOutcome } from '../readiness/lease-facts.js';
import { cmp, inPeriod, ratio, ReportIndex, type Period } from './common.js';
import { csvTable, money, rate } from './csv.js';
import { left, percent, periodScope, right, usd, type ReportDocument } from './document.js';
import type { ReportData } from './report-data.js';

export const PROMISE_OUTCOMES: readonly PromiseOutcome[] = ['kept', 'broken', 'open', 'released'];

export interface PromiseRow {
  leaseId: string;
  tenant: string;
  property: string;
  unit: string;
  made: LocalDate;
  until: LocalDate;
  amountCents: Cents;
  paidCents: Cents;
  outcome: PromiseOutcome;
}

export interface PromiseTotals {
  made: number;
  kept: number;
  broken: number;
  open: number;
  released: number;
  promisedCents: Cents;
  keptCents: Cents;
  brokenCents: Cents;
  openCents: Cents;
  releasedCents: Cents;
  paidCents: Cents;
  keptRate: number | null;
}

export interface PromisesReport {
  from: LocalDate;
  to: LocalDate;
  asOf: LocalDate;
  totals: PromiseTotals;
  rows: PromiseRow[];
}

export function promisesReport(data: ReportData, period: Period, asOf: LocalDate): PromisesReport {
  const ix = new ReportIndex(data);
  const rows: PromiseRow[] = [];
  for (const lease of data.portfolio.leases) {
    const facts = ix.facts(lease.id, asOf);
    if (!facts) continue;
    for (const h of facts.holds) {
      if (h.type !== 'promise' || !h.promise || h.until === undefined) continue;
      if (!inPeriod(h.start, period)) continue;
      const through = h.until < asOf ? h.until : asOf;
      let paidCents = 0;
      for (const e of facts.inEffect)
        if (
          (e.type === 'payment' || e.type === 'credit') &&
          !facts.reversedIds.has(e.id) &&
          e.date >= h.start &&
          e.date <= through
        )
          paidCents += e.amountCents;
      rows.push({
        leaseId: lease.id,
        tenant: ix.tenantName(lease),
        property: ix.propertyName(lease),
        unit: lease.unit,
        made: h.start,
        until: h.until,
        amountCents: h.promise.amountCents,
        paidCents,
        outcome: h.promiseOutcome ?? 'open',
      });
    }
  }
  rows.sort((a, b) => cmp(a.made, b.made) || cmp(a.leaseId, b.leaseId) || cmp(a.until, b.until));
  return { from: period.from, to: period.to, asOf, totals: promiseTotals(rows), rows };
}

export function promiseTotals(rows: readonly PromiseRow[]): PromiseTotals {
  const t: PromiseTotals = {
    made: rows.length,
    kept: 0,
    broken: 0,
    open: 0,
    released: 0,
    promisedCents: 0,
    keptCents: 0,
    brokenCents: 0,
    openCents: 0,
    releasedCents: 0,
    paidCents: 0,
    keptRate: null,
  };
  for (const r of rows) {
    t[r.outcome]++;
    t[`${r.outcome}Cents`] += r.amountCents;
    t.promisedCents += r.amountCents;
    t.paidCents += r.paidCents;
  }
  t.keptRate = ratio(t.kept, t.kept + t.broken);
  return t;
}

// ---------------------------------------------------------------------- CSV and PDF

export function promisesReportCsv(report: PromisesReport): string {
  const t = report.totals;
  return csvTable(
    ['leaseId', 'tenant', 'property', 'unit', 'made', 'until', 'promised', 'paid', 'outcome'],
    [
      ...report.rows.map((r) => [
        r.leaseId,
        r.tenant,
        r.property,
        r.unit,
        r.made,
        r.until,
        money(r.amountCents),
        money(r.paidCents),
        r.outcome,
      ]),
      ...PROMISE_OUTCOMES.map((o) => [
        `TOTAL ${o}`,
        null,
        null,
        null,
        null,
        null,
        money(t[`${o}Cents`]),
        null,
        t[o],
      ]),
      ['TOTAL', null, null, null, null, null, money(t.promisedCents), money(t.paidCents), t.made],
      ['KEPT RATE', null, null, null, null, null, null, null, rate(t.keptRate)],
    ],
  );
}

export function promisesReportDocument(
  report: PromisesReport,
  organisation: string,
): ReportDocument {
  const t = report.totals;
  return {
    title: 'Promises to pay',
    organisation,
    scope: periodScope(report.from, report.to, report.asOf),
    date: report.asOf,
    summary: [
      { label: 'Promises made', value: `${t.made} (${usd(t.promisedCents)})` },
      { label: 'Kept', value: `${t.kept} (${usd(t.keptCents)})` },
      { label: 'Broken', value: `${t.broken} (${usd(t.brokenCents)})` },
      { label: 'Open', value: `${t.open} (${usd(t.openCents)})` },
      { label: 'Released', value: `${t.released} (${usd(t.releasedCents)})` },
      { label: 'Kept rate (kept / kept + broken)', value: percent(t.keptRate) },
    ],
    blocks: [
      {
        kind: 'table',
        columns: [
          left('Lease', 0.8),
          left('Tenant', 1.5),
          left('Property / unit', 1.5),
          left('Made'),
          left('Until'),
          right('Promised'),
          right('Paid'),
          left('Outcome', 0.8),
        ],
        rows: report.rows.map((r) => [
          r.leaseId,
          r.tenant,
          `${r.property} ${r.unit}`.trim(),
          r.made,
          r.until,
          usd(r.amountCents),
          usd(r.paidCents),
          r.outcome,
        ]),
        total: [
          'Total',
          `${t.made} promises`,
          '',
          '',
          '',
          usd(t.promisedCents),
          usd(t.paidCents),
          '',
        ],
        empty: 'No promise was made in the period.',
      },
    ],
  };
}
