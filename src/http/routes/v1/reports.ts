/**
 * Reports (SPEC 8) and the workflow each lease gets, scoped to the caller's organisation:
 *
 *   GET /api/v1/reports/{name}?at=&from=&to=&owner=&format=json|csv|pdf
 *   GET /api/v1/workflows?leaseId=
 *
 * The same use cases as `arrears report` and `arrears policy which`, so the API and the CLI
 * give the same figures. Every role may read them (owners and auditors included: reports
 * are what they are for); a caller limited to some properties (an owner, a limited
 * manager) gets only those properties' leases in them. The composition root hands the
 * stores over with `provideReportsApi(deps)`, registered before API_V1_ROUTES; without it
 * these answer 503.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import {
  isReportName,
  REPORT_NAMES,
  runReport,
  type BuiltReport,
  type RunReportDeps,
} from '../../../app/run-reports.js';
import { explainPolicyFor } from '../../../domain/policy/resolve.js';
import type { ReportDocument } from '../../../domain/reports/document.js';
import { principalOf } from '../../auth.js';
import { problem, sendProblem } from '../../problem.js';
import { provided } from './provided.js';
import { limitOf } from './scope.js';

export interface ReportsApiDeps extends RunReportDeps {
  /** Lays a report out as PDF bytes (reports/render-pdf.ts). */
  renderPdf(document: ReportDocument): Promise<{ bytes: Uint8Array }>;
}

const api = provided<ReportsApiDeps>('arrearsReportsApi');

export const provideReportsApi = api.provide;

const depsOf = (app: FastifyInstance) => api.of(app);

const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

export const reportsRoutes: FastifyPluginAsync = async (app) => {
  app.get<{
    Params: { name: string };
    Querystring: { at?: string; from?: string; to?: string; owner?: string; format?: string };
  }>(
    '/reports/:name',
    {
      schema: {
        summary: 'A report as JSON, CSV or PDF',
        tags: ['reports'],
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', enum: [...REPORT_NAMES] } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            at: DATE,
            from: DATE,
            to: DATE,
            owner: { type: 'string', maxLength: 200 },
            format: { type: 'string', enum: ['json', 'csv', 'pdf'], default: 'json' },
          },
        },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps)
        return sendProblem(reply, problem('unavailable', 'reports are not configured here'));
      const { orgId } = principalOf(request);
      const { name } = request.params;
      if (!isReportName(name)) return sendProblem(reply, problem('not_found', `no report ${name}`));
      const q = request.query;
      const report: BuiltReport = await runReport(deps, orgId, {
        name,
        ...(q.at ? { at: q.at } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.owner ? { ownerId: q.owner } : {}),
        propertyIds: limitOf(request),
      });
      const file = `${name}-${report.at}`;
      if (q.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${file}.csv"`)
          .send(report.csv());
      if (q.format === 'pdf')
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="${file}.pdf"`)
          .send(Buffer.from((await deps.renderPdf(report.document())).bytes));
      return report.json;
    },
  );

  app.get<{ Querystring: { leaseId?: string } }>(
    '/workflows',
    {
      schema: {
        summary: 'Which workflow (policy) each lease gets, and why',
        tags: ['policies'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { leaseId: { type: 'string', maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps)
        return sendProblem(reply, problem('unavailable', 'workflows are not configured here'));
      const { orgId } = principalOf(request);
      const { leaseId } = request.query;
      const portfolio = await deps.portfolio.loadPortfolio(
        orgId,
        leaseId !== undefined ? [leaseId] : undefined,
      );
      const limit = limitOf(request);
      if (limit !== null)
        portfolio.leases = portfolio.leases.filter((l) => limit.includes(l.propertyId));
      if (leaseId !== undefined && portfolio.leases.length === 0)
        return sendProblem(reply, problem('not_found', `no lease ${leaseId}`));
      const policies = (await deps.policies.current(orgId)).map((s) => s.policy);
      const properties = new Map(portfolio.properties.map((p) => [p.id, p]));
      const items = portfolio.leases.flatMap((lease) => {
        const property = properties.get(lease.propertyId);
        if (!property) return [];
        const e = explainPolicyFor(lease, property, policies);
        return [
          { ...e, policy: e.policy ? { id: e.policy.id, name: e.policy.name ?? null } : null },
        ];
      });
      return { items };
    },
  );
};
