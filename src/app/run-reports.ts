/**
 * Reports from the stored portfolio (SPEC 8, 9): aging, and the operator's daily lists —
 * the exception list (SPEC 5) and what changed since the last scan.
 */
import { leaseInputs } from '../domain/evaluator/simulate.js';
import type { LocalDate } from '../domain/dates.js';
import { exceptionList, type ExceptionRow } from '../domain/readiness/exceptions.js';
import { leaseFactsOn } from '../domain/readiness/lease-facts.js';
import { leaseReadiness } from '../domain/readiness/readiness.js';
import { agingReport, type AgingReport } from '../domain/reports/aging-report.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { ScanStateStore } from './ports/scan.js';

export interface ReportDeps {
  portfolio: PortfolioStore;
  policies: PolicyStore;
  state: ScanStateStore;
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
  const { inputs } = leaseInputs(portfolio, policies);
  const leases = inputs.map((input) => ({
    input,
    readiness: leaseReadiness(input, at, { facts: leaseFactsOn(input, at) }),
  }));
  return { at, rows: exceptionList(leases) };
}

export async function changesSinceLastRun(deps: ReportDeps, orgId: string) {
  return deps.state.lastScan(orgId);
}
