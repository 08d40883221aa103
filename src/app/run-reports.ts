/**
 * Reports from the stored portfolio (SPEC 8, 9): every report of `arrears report NAME`
 * (aging, delinquency, pipeline, promises, collections, notices, fees, weekly, owner), and
 * the operator's daily lists — the exception list (SPEC 5) and what changed since the last
 * scan.
 *
 * `runReport` reads what the named report needs (nothing more: the aging report reads the
 * portfolio only), hands it to the pure builder of domain/reports/ and returns the report
 * as JSON, and as CSV and a document for the PDF on demand.
 *
 * Dates: `at` defaults to today in the portfolio's time zone (the one every property
 * shares; UTC when they are in several). Period reports (promises, collections, notices,
 * fees, weekly) cover `from`..`to`, by default the seven days ending on `at`.
 */
import { addDays, type LocalDate } from '../domain/dates.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import { InputError } from '../domain/errors.js';
import type { Portfolio } from '../domain/portfolio/schema.js';
import { exceptionList, type ExceptionRow } from '../domain/readiness/exceptions.js';
import { leaseFactsOn } from '../domain/readiness/lease-facts.js';
import { leaseReadiness } from '../domain/readiness/readiness.js';
import { agingReportDocument } from '../domain/reports/aging-document.js';
import { agingReport, agingReportCsv, type AgingReport } from '../domain/reports/aging-report.js';
import {
  collectionsReport,
  collectionsReportCsv,
  collectionsReportDocument,
} from '../domain/reports/collections-report.js';
import { portfolioTimezone, type Period } from '../domain/reports/common.js';
import {
  delinquencyReport,
  delinquencyReportCsv,
  delinquencyReportDocument,
} from '../domain/reports/delinquency-report.js';
import type { ReportDocument } from '../domain/reports/document.js';
import { feesReport, feesReportCsv, feesReportDocument } from '../domain/reports/fees-report.js';
import {
  noticesReport,
  noticesReportCsv,
  noticesReportDocument,
} from '../domain/reports/notices-report.js';
import {
  ownerReport,
  ownerReportCsv,
  ownerReportDocument,
} from '../domain/reports/owner-report.js';
import { reportPeriod } from '../domain/reports/period.js';
import {
  pipelineReport,
  pipelineReportCsv,
  pipelineReportDocument,
} from '../domain/reports/pipeline-report.js';
import {
  promisesReport,
  promisesReportCsv,
  promisesReportDocument,
} from '../domain/reports/promises-report.js';
import { reportData, type ReportData } from '../domain/reports/report-data.js';
import {
  weeklyReport,
  weeklyReportCsv,
  weeklyReportDocument,
} from '../domain/reports/weekly-report.js';
import { epochToLocal } from '../domain/time.js';
import type { Clock } from './ports/clock.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { InstantRange, ReportReadStore } from './ports/reports.js';
import type { ScanStateStore } from './ports/scan.js';

export interface ReportDeps {
  portfolio: PortfolioStore;
  policies: PolicyStore;
  state: ScanStateStore;
  /** Balances source systems reported (CSV aging totals, syncs): SPEC 5 balance_mismatch. */
  reported?: Pick<ReportReadStore, 'reportedBalances'>;
}

export async function agingFromStore(
  deps: ReportDeps,
  orgId: string,
  asOf: LocalDate,
): Promise<AgingReport> {
  return agingReport(await deps.portfolio.loadPortfolio(orgId), asOf);
}

export async function exceptionsFromStore(
  deps: ReportDeps,
  orgId: string,
  at: LocalDate,
): Promise<{ at: LocalDate; rows: ExceptionRow[] }> {
  const portfolio = await deps.portfolio.loadPortfolio(orgId);
  const policies = (await deps.policies.current(orgId)).map((s) => s.policy);
  const reported = new Map(
    ((await deps.reported?.reportedBalances(orgId)) ?? []).map((r) => [r.leaseId, r.cents]),
  );
  const { inputs } = leaseInputs(portfolio, policies);
  const leases = inputs.map((input) => {
    const cents = reported.get(input.lease.id);
    return {
      input,
      readiness: leaseReadiness(input, at, {
        facts: leaseFactsOn(input, at),
        ...(cents !== undefined ? { reportedBalanceCents: cents } : {}),
      }),
    };
  });
  return { at, rows: exceptionList(leases) };
}

export async function changesSinceLastRun(deps: ReportDeps, orgId: string) {
  return deps.state.lastScan(orgId);
}

// ---------------------------------------------------------------------------------------
// `arrears report NAME`

export const REPORT_NAMES = [
  'aging',
  'delinquency',
  'pipeline',
  'promises',
  'collections',
  'notices',
  'fees',
  'weekly',
  'owner',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** Reports over a period (`from`..`to`); the others are as of one date (`at`). */
export const PERIOD_REPORTS: ReadonlySet<ReportName> = new Set([
  'promises',
  'collections',
  'notices',
  'fees',
  'weekly',
]);

export function isReportName(name: string): name is ReportName {
  return (REPORT_NAMES as readonly string[]).includes(name);
}

export interface ReportRequest {
  name: ReportName;
  /** As of this local date (default: today in the portfolio's time zone). */
  at?: LocalDate;
  /** Period reports: first and last day (default: the seven days ending on `at`). */
  from?: LocalDate;
  to?: LocalDate;
  /** Owner report: only this owner. */
  ownerId?: string;
  /**
   * Only these properties' leases (a caller limited to some: an owner, a limited manager);
   * null or absent: every property of the organisation.
   */
  propertyIds?: readonly string[] | null;
}

export interface BuiltReport {
  name: ReportName;
  organisation: string;
  at: LocalDate;
  /** Period reports only. */
  period?: Period;
  /** The report's JSON document (for `aging`, SPEC 9's exact shape). */
  json: unknown;
  csv(): string;
  /** The report laid out for the PDF renderer. */
  document(): ReportDocument;
}

export interface RunReportDeps extends ReportDeps {
  reports: ReportReadStore;
  clock: Clock;
}

/** A window of instants that holds every instant of `period`'s local dates in any zone. */
function instantsOf(period: Period): InstantRange {
  return {
    from: `${addDays(period.from, -1)}T00:00:00.000Z`,
    to: `${addDays(period.to, 2)}T00:00:00.000Z`,
  };
}

export async function runReport(
  deps: RunReportDeps,
  orgId: string,
  request: ReportRequest,
): Promise<BuiltReport> {
  const { name } = request;
  const isPeriod = PERIOD_REPORTS.has(name);
  if (!isPeriod && (request.from !== undefined || request.to !== undefined))
    throw new InputError([
      {
        path: request.from !== undefined ? '--from' : '--to',
        message: `the ${name} report is as of one date: give --at, not a period (--from/--to are for ${[...PERIOD_REPORTS].join(', ')})`,
      },
    ]);
  if (name !== 'owner' && request.ownerId !== undefined)
    throw new InputError([{ path: '--owner', message: 'only the owner report takes --owner' }]);

  const [whole, stored, organisation] = await Promise.all([
    deps.portfolio.loadPortfolio(orgId),
    deps.policies.current(orgId),
    deps.reports.organisationName(orgId),
  ]);
  const limit = request.propertyIds ?? null;
  const portfolio = limit === null ? whole : onProperties(whole, limit);
  const at =
    request.at ?? epochToLocal(deps.clock.now(), portfolioTimezone(portfolio.properties)).date;
  let period: Period | undefined;
  if (isPeriod) {
    const p = reportPeriod(at, request.from, request.to);
    if (!p.ok) throw new InputError(p.issues);
    period = p.period;
  }
  const data = reportData(portfolio, {
    organisation: { id: orgId, name: organisation },
    policies: stored.map((s) => s.policy),
  });
  await loadSlices(deps.reports, orgId, name, data, at, period);
  if (limit !== null) keepLeases(data, new Set(portfolio.leases.map((l) => l.id)));

  const built = (json: unknown, csv: () => string, document: () => ReportDocument) => ({
    name,
    organisation,
    at,
    ...(period ? { period } : {}),
    json,
    csv,
    document,
  });
  switch (name) {
    case 'aging': {
      const r = agingReport(portfolio, at);
      return built(
        r,
        () => agingReportCsv(r),
        () => agingReportDocument(r, organisation),
      );
    }
    case 'delinquency': {
      const r = delinquencyReport(data, at);
      return built(
        r,
        () => delinquencyReportCsv(r),
        () => delinquencyReportDocument(r, organisation),
      );
    }
    case 'pipeline': {
      const r = pipelineReport(data, at);
      return built(
        r,
        () => pipelineReportCsv(r),
        () => pipelineReportDocument(r, organisation),
      );
    }
    case 'promises': {
      const r = promisesReport(data, period!, at);
      return built(
        r,
        () => promisesReportCsv(r),
        () => promisesReportDocument(r, organisation),
      );
    }
    case 'collections': {
      const r = collectionsReport(data, period!);
      return built(
        r,
        () => collectionsReportCsv(r),
        () => collectionsReportDocument(r, organisation),
      );
    }
    case 'notices': {
      const r = noticesReport(data, period!);
      return built(
        r,
        () => noticesReportCsv(r),
        () => noticesReportDocument(r, organisation),
      );
    }
    case 'fees': {
      const r = feesReport(data, period!);
      return built(
        r,
        () => feesReportCsv(r),
        () => feesReportDocument(r, organisation),
      );
    }
    case 'weekly': {
      const r = weeklyReport(data, period!, at);
      return built(
        r,
        () => weeklyReportCsv(r),
        () => weeklyReportDocument(r, organisation),
      );
    }
    case 'owner': {
      const r = ownerReport(
        data,
        at,
        request.ownerId !== undefined ? { ownerId: request.ownerId } : {},
      );
      return built(
        r,
        () => ownerReportCsv(r),
        () => ownerReportDocument(r, organisation),
      );
    }
  }
}

/**
 * The part of a portfolio on some properties: their leases, those leases' tenants, ledger
 * and cases, and the events that reach them (an organisation-wide event reaches them too).
 */
function onProperties(p: Portfolio, propertyIds: readonly string[]): Portfolio {
  const properties = new Set(propertyIds);
  const leases = p.leases.filter((l) => properties.has(l.propertyId));
  const leaseIds = new Set(leases.map((l) => l.id));
  const tenantIds = new Set(leases.flatMap((l) => l.tenantIds));
  return {
    ...p,
    properties: p.properties.filter((x) => properties.has(x.id)),
    tenants: p.tenants.filter((t) => tenantIds.has(t.id)),
    leases,
    ledger: p.ledger.filter((e) => leaseIds.has(e.leaseId)),
    events: p.events.filter((e) =>
      e.leaseId !== undefined
        ? leaseIds.has(e.leaseId)
        : e.propertyId !== undefined
          ? properties.has(e.propertyId)
          : e.tenantId === undefined || tenantIds.has(e.tenantId),
    ),
    cases: p.cases.filter((c) => leaseIds.has(c.leaseId)),
  };
}

/** Drops from the report's slices everything about leases outside `leaseIds`. */
function keepLeases(data: ReportData, leaseIds: ReadonlySet<string>): void {
  // An outbox key starts with its lease id and `:` (lease ids may hold `:` themselves).
  const ofVisibleLease = (key: string) => {
    for (let i = key.indexOf(':'); i > 0; i = key.indexOf(':', i + 1))
      if (leaseIds.has(key.slice(0, i))) return true;
    return false;
  };
  data.reportedBalances = data.reportedBalances.filter((r) => leaseIds.has(r.leaseId));
  data.cases = data.cases.filter((c) => leaseIds.has(c.leaseId));
  data.outbox = data.outbox.filter((i) => leaseIds.has(i.leaseId));
  data.transitions = data.transitions.filter((t) => ofVisibleLease(t.key));
  data.proofs = data.proofs.filter((x) => leaseIds.has(x.leaseId));
  data.tasks = data.tasks.filter((t) => t.leaseId !== null && leaseIds.has(t.leaseId));
  data.scans = data.scans.map((x) => ({
    ...x,
    changes: x.changes.filter((c) => leaseIds.has(c.leaseId)),
  }));
}

/** Reads into `data` what report `name` needs beyond the portfolio and the policies. */
async function loadSlices(
  store: ReportReadStore,
  orgId: string,
  name: ReportName,
  data: ReportData,
  at: LocalDate,
  period: Period | undefined,
): Promise<void> {
  switch (name) {
    case 'aging':
    case 'promises':
    case 'collections':
      return;
    case 'delinquency':
      [data.reportedBalances, data.cases, data.outbox, data.tasks] = await Promise.all([
        store.reportedBalances(orgId),
        store.cases(orgId),
        store.outboxItems(orgId),
        store.openTasks(orgId),
      ]);
      return;
    case 'pipeline':
      [data.cases, data.outbox] = await Promise.all([store.cases(orgId), store.outboxItems(orgId)]);
      return;
    case 'notices':
      [data.outbox, data.transitions] = await Promise.all([
        store.outboxItems(orgId, ['message', 'document']),
        store.transitions(orgId, { between: instantsOf(period!) }),
      ]);
      return;
    case 'fees':
      [data.outbox, data.transitions] = await Promise.all([
        store.outboxItems(orgId, ['fee']),
        store.transitions(orgId, { between: instantsOf(period!) }),
      ]);
      return;
    case 'weekly':
      [data.reportedBalances, data.cases, data.outbox, data.transitions, data.scans] =
        await Promise.all([
          store.reportedBalances(orgId),
          store.cases(orgId),
          store.outboxItems(orgId, ['message', 'document', 'fee']),
          store.transitions(orgId, { between: instantsOf(period!) }),
          store.scans(orgId, instantsOf(period!)),
        ]);
      return;
    case 'owner': {
      [data.cases, data.outbox, data.proofs] = await Promise.all([
        store.cases(orgId),
        store.outboxItems(orgId),
        store.proofs(orgId),
      ]);
      const open = new Set(
        data.cases
          .filter((c) => c.opened <= at && (c.closed === null || c.closed > at))
          .map((c) => `${c.leaseId}\u0000${c.episode}`),
      );
      const keys = data.outbox
        .filter(
          (i) =>
            (i.type === 'document' || i.type === 'escalate' || i.type === 'auction') &&
            open.has(`${i.leaseId}\u0000${i.episode}`),
        )
        .map((i) => i.key);
      data.transitions = keys.length > 0 ? await store.transitions(orgId, { keys }) : [];
      return;
    }
  }
}
