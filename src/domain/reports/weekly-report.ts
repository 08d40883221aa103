/**
 * The weekly metrics summary of SPEC 8, for a period (by default the seven days ending on
 * `--at`): what the other reports say about it, in one place.
 *
 * - `cases`: stored cases opened in the period, closed in it (by outcome), and open at its
 *   end;
 * - `recovery`: dollars recovered from past-due balances, all payments, collection rate
 *   (collections-report.ts);
 * - `promises`: made in the period and how they stand on `asOf` (promises-report.ts);
 * - `notices`: sent in the period and their outcomes (notices-report.ts);
 * - `fees`: assessed, collected and waived (fees-report.ts);
 * - `disputes`, `hardship`: dispute holds and hardship holds (a hardship hold, or a reply
 *   classified as hardship) placed in the period;
 * - `exceptions`: the exception list (SPEC 5) at the end of the period: its rows, the leases
 *   on it, and rows by severity;
 * - `whatChanged`: the changes found by the scans run in the period (SPEC 8 "what changed
 *   since last run"), by type, with the list. A scan belongs to the local date of its as-of
 *   instant in the portfolio's time zone (UTC when properties are in several zones).
 *
 * Pure.
 */
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import { CHANGE_TYPES, type Change, type ChangeType } from '../readiness/changes.js';
import {
  exceptionList,
  SEVERITIES,
  type LeaseForExceptions,
  type Severity,
} from '../readiness/exceptions.js';
import { leaseReadiness } from '../readiness/readiness.js';
import { epochToLocal } from '../time.js';
import { collectionsReport } from './collections-report.js';
import { cmp, inPeriod, portfolioTimezone, ReportIndex, type Period } from './common.js';
import { csvTable, money, rate, type CsvCell } from './csv.js';
import { left, percent, periodScope, right, usd, type ReportDocument } from './document.js';
import { feesReport } from './fees-report.js';
import { noticesReport, type NoticeCounts } from './notices-report.js';
import { promisesReport, type PromiseTotals } from './promises-report.js';
import type { ReportData } from './report-data.js';

export interface WeeklyReport {
  from: LocalDate;
  to: LocalDate;
  asOf: LocalDate;
  cases: {
    opened: number;
    closed: number;
    closedByOutcome: Record<string, number>;
    openAtEnd: number;
  };
  recovery: { recoveredCents: Cents; paymentsCents: Cents; collectionRate: number | null };
  promises: Pick<
    PromiseTotals,
    'made' | 'kept' | 'broken' | 'open' | 'released' | 'promisedCents' | 'keptRate'
  >;
  notices: NoticeCounts;
  fees: { assessedCents: Cents; collectedCents: Cents; waivedCents: Cents };
  disputes: number;
  hardship: number;
  exceptions: { rows: number; leases: number; bySeverity: Record<Severity, number> };
  whatChanged: {
    scans: number;
    byType: Record<ChangeType, number>;
    changes: (Change & { scanAsOf: string })[];
  };
}

export function weeklyReport(data: ReportData, period: Period, asOf: LocalDate): WeeklyReport {
  const ix = new ReportIndex(data);

  let opened = 0;
  let closed = 0;
  let openAtEnd = 0;
  const closedByOutcome: Record<string, number> = {};
  for (const c of data.cases) {
    if (inPeriod(c.opened, period)) opened++;
    if (c.closed !== null && inPeriod(c.closed, period)) {
      closed++;
      const o = c.outcome ?? 'closed';
      closedByOutcome[o] = (closedByOutcome[o] ?? 0) + 1;
    }
    if (c.opened <= period.to && (c.closed === null || c.closed > period.to)) openAtEnd++;
  }

  const collections = collectionsReport(data, period);
  const promises = promisesReport(data, period, asOf).totals;
  const notices = noticesReport(data, period).totals;
  const fees = feesReport(data, period).totals;

  let disputes = 0;
  let hardship = 0;
  const reported = new Map(data.reportedBalances.map((r) => [r.leaseId, r.cents]));
  const forExceptions: LeaseForExceptions[] = [];
  for (const [leaseId, input] of ix.inputs) {
    const facts = ix.facts(leaseId, period.to)!;
    for (const h of facts.holds) {
      if (!inPeriod(h.start, period)) continue;
      if (h.type === 'dispute') disputes++;
      else if (h.type === 'hardship' || h.origin === 'reply:hardship') hardship++;
    }
    forExceptions.push({
      input,
      readiness: leaseReadiness(input, period.to, {
        facts,
        ...(reported.has(leaseId) ? { reportedBalanceCents: reported.get(leaseId)! } : {}),
      }),
    });
  }
  const exceptions = exceptionList(forExceptions);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const r of exceptions) bySeverity[r.severity]++;

  const tz = portfolioTimezone(data.portfolio.properties);
  const byType = Object.fromEntries(CHANGE_TYPES.map((t) => [t, 0])) as Record<ChangeType, number>;
  const changes: WeeklyReport['whatChanged']['changes'] = [];
  let scans = 0;
  for (const s of [...data.scans].sort((a, b) => cmp(a.asOf, b.asOf) || cmp(a.id, b.id))) {
    if (!inPeriod(epochToLocal(Date.parse(s.asOf), tz).date, period)) continue;
    scans++;
    for (const c of s.changes) {
      if (c.type in byType) byType[c.type]++;
      changes.push({ ...c, scanAsOf: s.asOf });
    }
  }

  return {
    from: period.from,
    to: period.to,
    asOf,
    cases: { opened, closed, closedByOutcome: sortKeys(closedByOutcome), openAtEnd },
    recovery: {
      recoveredCents: collections.totals.recoveredCents,
      paymentsCents: collections.totals.paymentsCents,
      collectionRate: collections.totals.collectionRate,
    },
    promises: {
      made: promises.made,
      kept: promises.kept,
      broken: promises.broken,
      open: promises.open,
      released: promises.released,
      promisedCents: promises.promisedCents,
      keptRate: promises.keptRate,
    },
    notices,
    fees: {
      assessedCents: fees.assessedCents,
      collectedCents: fees.collectedCents,
      waivedCents: fees.waivedCents,
    },
    disputes,
    hardship,
    exceptions: {
      rows: exceptions.length,
      leases: new Set(exceptions.map((r) => r.leaseId)).size,
      bySeverity,
    },
    whatChanged: { scans, byType, changes },
  };
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => cmp(a, b)));
}

// ---------------------------------------------------------------------- CSV and PDF

type Metric = [section: string, metric: string, unit: 'count' | 'USD' | 'ratio', value: CsvCell];

function metrics(r: WeeklyReport): Metric[] {
  const out: Metric[] = [
    ['cases', 'opened', 'count', r.cases.opened],
    ['cases', 'closed', 'count', r.cases.closed],
    ...Object.entries(r.cases.closedByOutcome).map(([o, n]): Metric => [
      'cases',
      `closed: ${o}`,
      'count',
      n,
    ]),
    ['cases', 'open at end', 'count', r.cases.openAtEnd],
    ['recovery', 'recovered', 'USD', money(r.recovery.recoveredCents)],
    ['recovery', 'payments', 'USD', money(r.recovery.paymentsCents)],
    ['recovery', 'collection rate', 'ratio', rate(r.recovery.collectionRate)],
    ['promises', 'made', 'count', r.promises.made],
    ['promises', 'kept', 'count', r.promises.kept],
    ['promises', 'broken', 'count', r.promises.broken],
    ['promises', 'open', 'count', r.promises.open],
    ['promises', 'released', 'count', r.promises.released],
    ['promises', 'promised', 'USD', money(r.promises.promisedCents)],
    ['promises', 'kept rate', 'ratio', rate(r.promises.keptRate)],
    ['notices', 'sent', 'count', r.notices.sent],
    ['notices', 'delivered', 'count', r.notices.delivered],
    ['notices', 'failed', 'count', r.notices.failed],
    ['notices', 'bounced', 'count', r.notices.bounced],
    ['notices', 'returned', 'count', r.notices.returned],
    ['notices', 'unknown', 'count', r.notices.unknown],
    ['notices', 'pending', 'count', r.notices.pending],
    ['notices', 'delivery rate', 'ratio', rate(r.notices.deliveryRate)],
    ['fees', 'assessed', 'USD', money(r.fees.assessedCents)],
    ['fees', 'collected', 'USD', money(r.fees.collectedCents)],
    ['fees', 'waived', 'USD', money(r.fees.waivedCents)],
    ['holds', 'disputes', 'count', r.disputes],
    ['holds', 'hardship', 'count', r.hardship],
    ['exceptions', 'rows', 'count', r.exceptions.rows],
    ['exceptions', 'leases', 'count', r.exceptions.leases],
    ...SEVERITIES.map((s): Metric => ['exceptions', s, 'count', r.exceptions.bySeverity[s]]),
    ['what changed', 'scans', 'count', r.whatChanged.scans],
    ...CHANGE_TYPES.map((t): Metric => ['what changed', t, 'count', r.whatChanged.byType[t]]),
  ];
  return out;
}

export function weeklyReportCsv(report: WeeklyReport): string {
  return csvTable(['section', 'metric', 'unit', 'value'], metrics(report));
}

export function weeklyReportDocument(report: WeeklyReport, organisation: string): ReportDocument {
  const r = report;
  const table = (heading: string, rows: [string, string][], empty?: string) => ({
    kind: 'table' as const,
    heading,
    columns: [left('Metric', 3), right('Value', 1.2)],
    rows: rows.map(([a, b]) => [a, b]),
    ...(empty !== undefined ? { empty } : {}),
  });
  const outcomes = Object.entries(r.cases.closedByOutcome);
  return {
    title: 'Weekly summary',
    organisation,
    scope: periodScope(r.from, r.to, r.asOf),
    date: r.asOf,
    summary: [
      { label: 'New cases', value: String(r.cases.opened) },
      { label: 'Closed cases', value: String(r.cases.closed) },
      { label: 'Dollars recovered', value: usd(r.recovery.recoveredCents) },
      {
        label: 'Promises made / kept / broken',
        value: `${r.promises.made} / ${r.promises.kept} / ${r.promises.broken}`,
      },
      { label: 'Notices sent / delivered', value: `${r.notices.sent} / ${r.notices.delivered}` },
      {
        label: 'Exceptions (rows / leases)',
        value: `${r.exceptions.rows} / ${r.exceptions.leases}`,
      },
      { label: 'Changes found by scans', value: String(r.whatChanged.changes.length) },
    ],
    blocks: [
      table('Cases', [
        ['Opened', String(r.cases.opened)],
        ['Closed', String(r.cases.closed)],
        ...outcomes.map(([o, n]): [string, string] => [
          `  closed: ${o.replaceAll('_', ' ')}`,
          String(n),
        ]),
        ['Open at the end of the period', String(r.cases.openAtEnd)],
      ]),
      table('Money', [
        ['Recovered from past-due balances', usd(r.recovery.recoveredCents)],
        ['All payments received', usd(r.recovery.paymentsCents)],
        ['Collection rate', percent(r.recovery.collectionRate)],
        ['Fees assessed', usd(r.fees.assessedCents)],
        ['Fees collected', usd(r.fees.collectedCents)],
        ['Fees waived', usd(r.fees.waivedCents)],
      ]),
      table('Promises, disputes and hardship', [
        ['Promises made', `${r.promises.made} (${usd(r.promises.promisedCents)})`],
        ['Kept', String(r.promises.kept)],
        ['Broken', String(r.promises.broken)],
        ['Still open', String(r.promises.open)],
        ['Released', String(r.promises.released)],
        ['Kept rate', percent(r.promises.keptRate)],
        ['Disputes', String(r.disputes)],
        ['Hardship', String(r.hardship)],
      ]),
      table('Notices', [
        ['Sent', String(r.notices.sent)],
        ['Delivered', String(r.notices.delivered)],
        ['Failed', String(r.notices.failed)],
        ['Bounced', String(r.notices.bounced)],
        ['Returned', String(r.notices.returned)],
        ['Outcome unknown', String(r.notices.unknown)],
        ['Awaiting a delivery event', String(r.notices.pending)],
        ['Delivery rate', percent(r.notices.deliveryRate)],
      ]),
      table('Exceptions at the end of the period', [
        ['Rows', String(r.exceptions.rows)],
        ['Leases', String(r.exceptions.leases)],
        ...SEVERITIES.map((s): [string, string] => [
          `Severity ${s}`,
          String(r.exceptions.bySeverity[s]),
        ]),
      ]),
      table(
        `What changed (${r.whatChanged.scans} scan${r.whatChanged.scans === 1 ? '' : 's'})`,
        [
          ...CHANGE_TYPES.filter((t) => r.whatChanged.byType[t] > 0).map((t): [string, string] => [
            t.replaceAll('_', ' '),
            String(r.whatChanged.byType[t]),
          ]),
        ],
        'No scan in the period found a change.',
      ),
    ],
  };
}
