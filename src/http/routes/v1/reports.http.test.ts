/**
 * The reports and workflows API over a real database, on every engine: the same figures
 * as the CLI, CSV and PDF downloads, organisation scoping, and problem+json errors.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import { AS_OF } from '../../../../test/support/report-fixture.js';
import { saveFixture } from '../../../../test/support/report-fixture-db.js';
import { agingFromStore } from '../../../app/run-reports.js';
import { fixedClock } from '../../../app/ports/clock.js';
import { storesFor } from '../../../main.js';
import { renderReportPdf } from '../../../reports/render-pdf.js';
import { ensureOrganisation } from '../../../storage/repos/organisations-repo.js';
import { reportsRepo } from '../../../storage/repos/reports-repo.js';
import { buildApp } from '../../app.js';
import { fakeAuth, fakeDeps } from '../../testing.js';
import { API_V1_ROUTES } from './index.js';
import { provideReportsApi } from './reports.js';

const principal = (orgId: string, role: 'owner' | 'manager') => ({
  userId: `u-${orgId}`,
  email: `${role}@${orgId}.example`,
  role,
  orgId,
  via: 'api_token' as const,
});

forEachDialect('reports API', (h) => {
  it('serves each report as JSON, CSV and PDF, the same figures as the CLI, to its organisation only', async () => {
    const db = await h.openMigrated();
    await saveFixture(db, 'acme');
    await ensureOrganisation(db, { id: 'other', name: 'Other', at: '2026-12-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse('2026-12-15T20:00:00Z'));
    const stores = storesFor(db);
    const app = await buildApp({
      ...fakeDeps().deps,
      clock,
      auth: fakeAuth({ acme: principal('acme', 'owner'), other: principal('other', 'manager') }),
      apiRoutes: [
        provideReportsApi({
          ...stores,
          reports: reportsRepo(db),
          clock,
          renderPdf: renderReportPdf,
        }),
        ...API_V1_ROUTES,
      ],
    });
    const get = (url: string, token = 'acme') =>
      app.inject({ url, headers: { authorization: `Bearer ${token}` } });

    const aging = await get(`/api/v1/reports/aging?at=${AS_OF}`);
    expect(aging.statusCode).toBe(200);
    const expected = await agingFromStore(stores, 'acme', AS_OF);
    expect(aging.json()).toEqual(JSON.parse(JSON.stringify(expected)));
    for (const name of ['delinquency', 'pipeline', 'owner']) {
      const r = await get(`/api/v1/reports/${name}?at=${AS_OF}`);
      expect(r.statusCode, name).toBe(200);
    }
    const weekly = await get(`/api/v1/reports/weekly?at=${AS_OF}&from=2026-12-09&to=2026-12-15`);
    expect(weekly.statusCode).toBe(200);

    const csv = await get(`/api/v1/reports/delinquency?at=${AS_OF}&format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toBe(
      `attachment; filename="delinquency-${AS_OF}.csv"`,
    );
    // A formula in a tenant's name stays text.
    expect(csv.body).not.toMatch(/(^|,)=/m);
    const pdf = await get(`/api/v1/reports/owner?at=${AS_OF}&format=pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    // Another organisation sees none of it.
    const theirs = await get(`/api/v1/reports/aging?at=${AS_OF}`, 'other');
    expect(theirs.json()).toMatchObject({ totalCents: 0, rows: [] });

    const bad = await get('/api/v1/reports/aging?at=2026-12-15&from=2026-12-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect((await get('/api/v1/reports/nope')).statusCode).toBe(400);

    const workflows = await get('/api/v1/workflows');
    expect(workflows.statusCode).toBe(200);
    const items = workflows.json().items as { leaseId: string; policy: { id: string } | null }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.policy !== null)).toBe(true);
    const one = await get(`/api/v1/workflows?leaseId=${items[0]!.leaseId}`);
    expect(one.json().items).toHaveLength(1);
    expect((await get('/api/v1/workflows?leaseId=NOPE')).statusCode).toBe(404);
    await app.close();
  });
});
