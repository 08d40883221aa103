/**
 * Exceptions, changes and case pages over a real database, on every engine: the same rows
 * as the CLI's use cases, paging, a case timeline with its ledger, actions and proofs,
 * organisation scoping and roles.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import { AS_OF } from '../../../../test/support/report-fixture.js';
import { saveFixture } from '../../../../test/support/report-fixture-db.js';
import type { Principal, Role } from '../../../app/ports/auth.js';
import { fixedClock } from '../../../app/ports/clock.js';
import { changesSinceLastRun, exceptionsFromStore } from '../../../app/run-reports.js';
import { storesFor } from '../../../main.js';
import { documentsRepo } from '../../../storage/repos/documents-repo.js';
import { ensureOrganisation } from '../../../storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../../../storage/repos/outbox-repo.js';
import { reportsRepo } from '../../../storage/repos/reports-repo.js';
import { buildApp } from '../../app.js';
import { fakeAuth, fakeDeps } from '../../testing.js';
import { provideCasesApi } from './cases.js';
import { API_V1_ROUTES } from './index.js';

const principal = (orgId: string, role: Role): Principal => ({
  userId: `u-${orgId}-${role}`,
  email: `${role}@${orgId}.example`,
  role,
  orgId,
  via: 'api_token',
});

let n = 0;

forEachDialect('cases API', (h) => {
  it('serves exceptions, changes and case timelines to its organisation only', async () => {
    const db = await h.openMigrated();
    const acme = `c-acme-${++n}`;
    const other = `c-other-${n}`;
    await saveFixture(db, acme);
    await ensureOrganisation(db, { id: other, name: 'Other', at: '2026-12-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse(`${AS_OF}T20:00:00Z`));
    const stores = storesFor(db);
    const app = await buildApp({
      ...fakeDeps().deps,
      clock,
      auth: fakeAuth({
        clerk: principal(acme, 'collections'),
        owner: principal(acme, 'owner'),
        other: principal(other, 'manager'),
        storageOnly: { ...principal(acme, 'manager'), propertyIds: ['P2'] },
      }),
      apiRoutes: [
        provideCasesApi({
          ...stores,
          cases: reportsRepo(db),
          outbox: createOutboxRepo(db, clock),
          documents: documentsRepo(db, clock),
          clock,
        }),
        ...API_V1_ROUTES,
      ],
    });
    const get = (url: string, token = 'clerk') =>
      app.inject({ url, headers: { authorization: `Bearer ${token}` } });

    // The exception list and the changes: the CLI's rows.
    const exceptions = await get('/api/v1/exceptions');
    expect(exceptions.statusCode).toBe(200);
    const expected = await exceptionsFromStore(stores, acme, AS_OF);
    expect(expected.rows.length).toBeGreaterThan(0);
    expect(exceptions.json()).toEqual(JSON.parse(JSON.stringify(expected)));
    expect((await get(`/api/v1/exceptions?at=${AS_OF}`)).json().at).toBe(AS_OF);
    expect((await get('/api/v1/exceptions?at=15/12/2026')).statusCode).toBe(400);
    const changes = await get('/api/v1/changes');
    expect(changes.json()).toEqual(
      JSON.parse(JSON.stringify(await changesSinceLastRun(stores, acme))),
    );

    // Cases, a page at a time; open and closed.
    const seen: { leaseId: string; episode: number; open: boolean }[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/api/v1/cases?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode).toBe(200);
      seen.push(...r.json().items);
      cursor = r.json().nextCursor;
    } while (cursor);
    expect(seen.map((c) => c.leaseId)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    const closed = (await get('/api/v1/cases?open=false')).json().items;
    expect(closed).toEqual([
      expect.objectContaining({ leaseId: 'L3', open: false, outcome: 'paid', propertyId: 'P1' }),
    ]);
    expect((await get('/api/v1/cases?open=true')).json().items).toHaveLength(5);

    // One lease's page: the case with its items, ledger, and proof of service.
    const page = await get('/api/v1/cases/L1');
    expect(page.statusCode).toBe(200);
    const doc = page.json();
    expect(doc.lease).toMatchObject({ id: 'L1', unit: '12B' });
    expect(doc.tenants).toEqual([{ id: 'T1', name: 'Ana Ruiz', role: 'primary' }]);
    expect(JSON.stringify(doc.tenants)).not.toContain('Oak Court');
    expect(doc.cases).toHaveLength(1);
    const kase = doc.cases[0];
    expect(kase).toMatchObject({ leaseId: 'L1', episode: 1, open: true });
    expect(kase.items.map((i: { key: string }) => i.key)).toContain('L1:1:legal:legal');
    const kinds = new Set(kase.timeline.map((e: { kind: string }) => e.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['ledger', 'action', 'proof']));
    const proof = kase.timeline.find((e: { kind: string }) => e.kind === 'proof');
    expect(proof).toMatchObject({ id: 'PR-L1', method: 'certified_mail', status: 'delivered' });
    const dates = kase.timeline.map((e: { at: string | null; date: string }) => e.at ?? e.date);
    expect(dates.length).toBeGreaterThan(3);
    expect((await get('/api/v1/cases/NOPE')).statusCode).toBe(404);

    // Another organisation sees nothing; owners read reports, not cases.
    expect((await get('/api/v1/cases', 'other')).json()).toEqual({ items: [], nextCursor: null });
    const theirs = await get('/api/v1/cases/L1', 'other');
    expect(theirs.statusCode).toBe(404);
    expect(theirs.headers['content-type']).toContain('application/problem+json');
    expect((await get('/api/v1/exceptions', 'other')).json().rows).toEqual([]);
    expect((await get('/api/v1/changes', 'other')).json()).toEqual({ changes: [] });
    expect((await get('/api/v1/cases', 'owner')).statusCode).toBe(403);

    // A manager of one property sees that property's cases only; the others are 404.
    const limited = (await get('/api/v1/cases', 'storageOnly')).json().items;
    expect(limited.map((c: { leaseId: string }) => c.leaseId)).toEqual(['S1']);
    expect((await get('/api/v1/cases/L1', 'storageOnly')).statusCode).toBe(404);
    expect((await get('/api/v1/cases/S1', 'storageOnly')).statusCode).toBe(200);
    const rows = (await get('/api/v1/exceptions', 'storageOnly')).json().rows;
    expect(rows.every((r: { propertyId: string }) => r.propertyId === 'P2')).toBe(true);
    await app.close();
  });

  it('answers 503 when the server was built without the stores', async () => {
    const app = await buildApp({
      ...fakeDeps().deps,
      auth: fakeAuth({ clerk: principal('x', 'collections') }),
      apiRoutes: API_V1_ROUTES,
    });
    for (const url of ['/api/v1/cases', '/api/v1/exceptions', '/api/v1/queue', '/api/v1/outbox']) {
      const r = await app.inject({ url, headers: { authorization: 'Bearer clerk' } });
      expect(r.statusCode, url).toBe(503);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
    await app.close();
  });
});
