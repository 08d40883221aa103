/**
 * The leases API over a real database: balances as the aging report computes them, paging,
 * a lease page with contact fields, a ledger with running balances, payments (audited,
 * idempotent on their id), and scoping: another organisation's lease and a lease outside an
 * owner's properties are 404 like a missing one, and an owner may not post anything.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import { AS_OF, PORTFOLIO_INPUT } from '../../../../test/support/report-fixture.js';
import { saveFixture } from '../../../../test/support/report-fixture-db.js';
import type { Principal, Role } from '../../../app/ports/auth.js';
import { fixedClock } from '../../../app/ports/clock.js';
import { dashboardApiFor } from '../../../cli/commands/serve-api.js';
import { portfolio as portfolioSchema } from '../../../domain/portfolio/schema.js';
import { agingReport } from '../../../domain/reports/aging-report.js';
import type { Db } from '../../../storage/database.js';
import { readChain } from '../../../storage/repos/audit-repo.js';
import { ensureOrganisation } from '../../../storage/repos/organisations-repo.js';
import { buildApp } from '../../app.js';
import { fakeAuth, fakeDeps } from '../../testing.js';
import { API_V1_ROUTES } from './index.js';

const principal = (orgId: string, role: Role, propertyIds?: string[]): Principal => ({
  userId: `u-${orgId}-${role}`,
  email: `${role}@${orgId}.example`,
  role,
  orgId,
  via: 'api_token',
  ...(propertyIds ? { propertyIds } : {}),
});

let n = 0;

async function setUp(db: Db) {
  const acme = `l-acme-${++n}`;
  const other = `l-other-${n}`;
  await saveFixture(db, acme);
  await ensureOrganisation(db, { id: other, name: 'Other', at: '2026-12-01T00:00:00.000Z' });
  const clock = fixedClock(Date.parse(`${AS_OF}T20:00:00Z`));
  const rt = { db, clock, orgId: acme, env: {}, close: async () => undefined };
  const app = await buildApp({
    ...fakeDeps().deps,
    clock,
    auth: fakeAuth({
      clerk: principal(acme, 'collections'),
      finance: principal(acme, 'finance'),
      legal: principal(acme, 'legal'),
      auditor: principal(acme, 'auditor'),
      owner2: principal(acme, 'owner', ['P2']),
      manager2: principal(acme, 'manager', ['P2']),
      other: principal(other, 'admin'),
    }),
    apiRoutes: [...dashboardApiFor(rt), ...API_V1_ROUTES],
  });
  const call = (method: 'GET' | 'POST', url: string, token: string | null, payload?: object) =>
    app.inject({
      method,
      url,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(payload ? { payload } : {}),
    });
  return {
    app,
    acme,
    get: (url: string, token: string | null = 'clerk') => call('GET', url, token),
    post: (url: string, payload: object, token: string | null = 'clerk') =>
      call('POST', url, token, payload),
  };
}

forEachDialect('leases API', (h) => {
  it('lists leases with the aging report’s balances, a page at a time, scoped to the caller', async () => {
    const { app, get } = await setUp(await h.openMigrated());
    expect((await get('/api/v1/leases', null)).statusCode).toBe(401);

    const seen: { id: string; balanceCents: number; pastDueCents: number }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await get(`/api/v1/leases?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode).toBe(200);
      seen.push(...r.json().items);
      cursor = r.json().nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen.map((l) => l.id)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    const aging = agingReport(portfolioSchema.parse(PORTFOLIO_INPUT), AS_OF);
    for (const row of aging.rows)
      expect(seen.find((l) => l.id === row.leaseId)?.balanceCents, row.leaseId).toBe(
        row.totalCents,
      );
    const s1 = seen.find((l) => l.id === 'S1')!;
    expect(s1).toMatchObject({
      propertyId: 'P2',
      unit: 'C-208',
      asOf: AS_OF,
      pastDueCents: 48500,
      property: { id: 'P2', name: 'Arroyo Storage' },
      tenants: [{ id: 'T4', name: 'Dana Whitfield' }],
      currentCase: { episode: 1, open: true, policyId: 'sto' },
    });
    expect(seen.find((l) => l.id === 'L3')).toMatchObject({ currentCase: null });

    // Filters.
    const p2 = (await get('/api/v1/leases?propertyId=P2')).json().items;
    expect(p2.map((l: { id: string }) => l.id)).toEqual(['S1']);
    const movedOut = (await get('/api/v1/leases?status=moved_out')).json().items;
    expect(movedOut.map((l: { id: string }) => l.id)).toEqual(['L4']);
    const bad = await get('/api/v1/leases?limit=0&colour=red');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(
      bad
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['query.colour', 'query.limit']);
    expect((await get('/api/v1/leases?cursor=bm9wZQ')).json().errors[0].path).toBe('query.cursor');

    // An owner of P2 sees S1 only, even when it asks for P1; another organisation nothing.
    expect(
      (await get('/api/v1/leases', 'owner2')).json().items.map((l: { id: string }) => l.id),
    ).toEqual(['S1']);
    expect((await get('/api/v1/leases?propertyId=P1', 'owner2')).json().items).toEqual([]);
    expect((await get('/api/v1/leases', 'other')).json()).toEqual({ items: [], nextCursor: null });
    await app.close();
  });

  it('shows one lease with its tenants, property and current case; 404 outside the caller’s reach', async () => {
    const { app, get } = await setUp(await h.openMigrated());
    const r = await get('/api/v1/leases/S1', 'owner2');
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.lease).toMatchObject({
      id: 'S1',
      unit: 'C-208',
      rentCents: 19500,
      tenantIds: ['T4'],
    });
    expect(doc.property).toMatchObject({
      id: 'P2',
      timezone: 'America/Los_Angeles',
      jurisdiction: 'US-CA',
      kind: 'storage',
      ownerId: 'O2',
    });
    expect(doc.tenants).toEqual([
      {
        id: 'T4',
        name: 'Dana Whitfield',
        role: 'primary',
        email: null,
        phone: null,
        address: '415 S Lake Ave, Pasadena CA 91101',
        language: 'en',
        timezone: null,
        consent: {},
        military: null,
      },
    ]);
    expect(doc.standing).toMatchObject({ asOf: AS_OF, pastDueCents: 48500 });
    expect(doc.policy).toMatchObject({ id: 'sto', version: 1 });
    expect(doc.currentCase).toMatchObject({ episode: 1, open: true, opened: '2026-10-02' });
    expect(doc.cases).toHaveLength(1);

    for (const [url, token] of [
      ['/api/v1/leases/L1', 'owner2'],
      ['/api/v1/leases/L1', 'other'],
      ['/api/v1/leases/NOPE', 'clerk'],
      ['/api/v1/leases/L1/ledger', 'owner2'],
      ['/api/v1/leases/L1/ledger', 'other'],
    ] as const) {
      const missing = await get(url, token);
      expect(missing.statusCode, `${url} as ${token}`).toBe(404);
      expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // Not found reads the same whether the lease exists elsewhere or not at all.
    expect((await get('/api/v1/leases/L1', 'other')).json().detail).toBe(
      (await get('/api/v1/leases/L1x', 'other')).json().detail.replace('L1x', 'L1'),
    );
    await app.close();
  });

  it('pages the ledger with a running balance that ends at the balance', async () => {
    const { app, get } = await setUp(await h.openMigrated());
    const rows: { id: string; runningBalanceCents: number; date: string }[] = [];
    let cursor: string | null = null;
    let last: { balanceCents: number } | undefined;
    do {
      const r = await get(`/api/v1/leases/L2/ledger?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode).toBe(200);
      rows.push(...r.json().items);
      cursor = r.json().nextCursor;
      last = r.json();
    } while (cursor);
    expect(rows.map((e) => e.id)).toEqual([
      'R-L2-11',
      'L2:1:late-fee:fee',
      'PAY-L2-0',
      'REV-L2-0',
      'R-L2-12',
      'PAY-L2-1',
      'waive:L2:1:late-fee:fee',
    ]);
    // The reversal puts the reversed payment back.
    expect(rows.map((e) => e.runningBalanceCents)).toEqual([
      120000, 125000, 75000, 125000, 245000, 125000, 120000,
    ]);
    expect(last?.balanceCents).toBe(120000);
    await app.close();
  });

  it('records a payment once per id, audited, and shows it in the ledger', async () => {
    const db = await h.openMigrated();
    const { app, acme, get, post } = await setUp(db);
    const payment = { id: 'CHK-1001', amountCents: 25000, date: '2026-12-15', memo: 'check 1001' };

    // Roles: owners and auditors read only; legal may not post payments.
    for (const token of ['owner2', 'auditor', 'legal']) {
      const r = await post('/api/v1/leases/S1/payments', payment, token);
      expect(r.statusCode, token).toBe(403);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await post('/api/v1/leases/S1/payments', payment, null)).statusCode).toBe(401);
    // Outside the caller's reach: 404 like a missing lease.
    expect((await post('/api/v1/leases/L1/payments', payment, 'manager2')).statusCode).toBe(404);
    expect((await post('/api/v1/leases/L1/payments', payment, 'other')).statusCode).toBe(404);

    const before = (await get('/api/v1/leases/S1')).json().standing.balanceCents;
    const first = await post('/api/v1/leases/S1/payments', payment, 'manager2');
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      recorded: true,
      entry: {
        id: 'CHK-1001',
        date: '2026-12-15',
        type: 'payment',
        category: null,
        amountCents: 25000,
        dueDate: null,
        reverses: null,
        appliesTo: null,
        memo: 'check 1001',
      },
    });
    const again = await post('/api/v1/leases/S1/payments', payment, 'finance');
    expect(again.statusCode).toBe(200);
    expect(again.json().recorded).toBe(false);
    const clash = await post('/api/v1/leases/S1/payments', { ...payment, amountCents: 1 });
    expect(clash.statusCode).toBe(409);
    // An id used on another lease is a conflict too, not a silent no-op.
    const elsewhere = await post('/api/v1/leases/L1/payments', payment);
    expect(elsewhere.statusCode).toBe(409);

    const ledger = (await get('/api/v1/leases/S1/ledger')).json();
    const row = ledger.items.find((e: { id: string }) => e.id === 'CHK-1001');
    expect(row).toMatchObject({ type: 'payment', amountCents: 25000, memo: 'check 1001' });
    expect(ledger.balanceCents).toBe(before - 25000);
    expect(ledger.items.at(-1).runningBalanceCents).toBe(ledger.balanceCents);

    const audit = (await readChain(db, acme)).filter((e) => e.type === 'ledger.posted');
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'user:u-' + acme + '-manager',
        subject: 'lease:S1',
        data: expect.objectContaining({ id: 'CHK-1001', amountCents: 25000, source: 'http' }),
      }),
    ]);

    // Without an id one is made up; validation names every field.
    const generated = await post('/api/v1/leases/L1/payments', { amountCents: 100, date: AS_OF });
    expect(generated.statusCode).toBe(201);
    expect(generated.json().entry.id).toMatch(/^pay-/);
    const invalid = await post('/api/v1/leases/L1/payments', {
      amountCents: 0,
      memo: { x: 1 },
      extra: 1,
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(
      invalid
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['body.amountCents', 'body.date', 'body.extra', 'body.memo']);
    const future = await post('/api/v1/leases/L1/payments', {
      amountCents: 100,
      date: '2026-12-16',
    });
    expect(future.statusCode).toBe(400);
    expect(future.json().errors).toEqual([
      { path: 'body.date', message: expect.stringContaining('after today') },
    ]);
    const unreal = await post('/api/v1/leases/L1/payments', {
      amountCents: 100,
      date: '2026-02-30',
    });
    expect(unreal.json().errors[0].path).toBe('body.date');
    await app.close();
  });
});
