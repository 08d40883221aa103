/**
 * The audit log over the API, on a real database: entries paged by seq in either order,
 * filtered by subject and type, verified like `arrears audit verify` (a tampered entry is
 * found), and who may read it — admins, auditors and managers of the organisation, a
 * manager limited to some properties only the entries about their leases.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import { AS_OF } from '../../../../test/support/report-fixture.js';
import { saveFixture } from '../../../../test/support/report-fixture-db.js';
import type { Principal, Role } from '../../../app/ports/auth.js';
import { fixedClock } from '../../../app/ports/clock.js';
import { dashboardApiFor } from '../../../cli/commands/serve-api.js';
import type { Db } from '../../../storage/database.js';
import { readChain, verifyAudit } from '../../../storage/repos/audit-repo.js';
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
  const acme = `a-acme-${++n}`;
  const other = `a-other-${n}`;
  await saveFixture(db, acme);
  await ensureOrganisation(db, { id: other, name: 'Other', at: '2026-12-01T00:00:00.000Z' });
  const clock = fixedClock(Date.parse(`${AS_OF}T20:00:00Z`));
  const rt = { db, clock, orgId: acme, env: {}, close: async () => undefined };
  const app = await buildApp({
    ...fakeDeps().deps,
    clock,
    auth: fakeAuth({
      admin: principal(acme, 'admin'),
      auditor: principal(acme, 'auditor'),
      manager: principal(acme, 'manager'),
      manager2: principal(acme, 'manager', ['P2']),
      clerk: principal(acme, 'collections'),
      owner: principal(acme, 'owner', ['P1']),
      other: principal(other, 'auditor'),
    }),
    apiRoutes: [...dashboardApiFor(rt), ...API_V1_ROUTES],
  });
  const headers = (token: string | null) => (token ? { authorization: `Bearer ${token}` } : {});
  return {
    app,
    acme,
    other,
    get: (url: string, token: string | null = 'auditor') =>
      app.inject({ url, headers: headers(token) }),
    pay: (leaseId: string, id: string) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/leases/${leaseId}/payments`,
        headers: headers('admin'),
        payload: { id, amountCents: 100, date: AS_OF },
      }),
  };
}

type Entry = { seq: number; type: string; subject: string; hash: string; data: unknown };

forEachDialect('audit API', (h) => {
  it('pages the chain by seq in either order, filtered by subject and type', async () => {
    const db = await h.openMigrated();
    const { app, acme, get, pay } = await setUp(db);
    expect((await pay('S1', 'PAY-A')).statusCode).toBe(201);
    const chain = await readChain(db, acme);
    expect(chain.length).toBeGreaterThan(3);

    expect((await get('/api/v1/audit', null)).statusCode).toBe(401);
    for (const token of ['clerk', 'owner'])
      expect((await get('/api/v1/audit', token)).statusCode, token).toBe(403);
    for (const token of ['admin', 'manager'])
      expect((await get('/api/v1/audit', token)).statusCode, token).toBe(200);

    const walk = async (query: string) => {
      const seen: Entry[] = [];
      let cursor: string | null = null;
      do {
        const r = await get(`/api/v1/audit?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.statusCode).toBe(200);
        seen.push(...r.json().items);
        cursor = r.json().nextCursor;
      } while (cursor);
      return seen;
    };
    const asc = await walk('');
    expect(asc.map((e) => e.seq)).toEqual(chain.map((e) => e.seq));
    expect(asc.map((e) => e.hash)).toEqual(chain.map((e) => e.hash));
    const desc = await walk('&order=desc');
    expect(desc.map((e) => e.seq)).toEqual(chain.map((e) => e.seq).reverse());
    // The entry comes whole, so a client can check its hashes. (The payment is followed by
    // the re-evaluation it triggers: a scan and what it changed.)
    const posted = asc.findIndex((e) => e.type === 'ledger.posted');
    expect(asc[posted]).toMatchObject({
      type: 'ledger.posted',
      subject: 'lease:S1',
      actor: `user:u-${acme}-admin`,
      data: expect.objectContaining({ id: 'PAY-A', amountCents: 100 }),
      dataHash: chain[posted]!.dataHash,
      prevHash: chain[posted - 1]!.hash,
    });

    const saved = (await get('/api/v1/audit?type=policy.saved')).json().items;
    expect(saved.map((e: Entry) => e.subject)).toEqual(['policy:res', 'policy:sto']);
    expect((await get('/api/v1/audit?subject=policy:sto')).json().items).toHaveLength(1);

    // A cursor of one order is not one of the other.
    const first = (await get('/api/v1/audit?limit=1')).json().nextCursor;
    const mixed = await get(`/api/v1/audit?order=desc&cursor=${first}`);
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().errors[0].path).toBe('query.cursor');
    expect((await get('/api/v1/audit?order=sideways')).json().errors[0].path).toBe('query.order');

    // Another organisation's auditor reads its own (empty) chain.
    expect((await get('/api/v1/audit', 'other')).json()).toEqual({ items: [], nextCursor: null });
    await app.close();
  });

  it('shows a manager limited to some properties only the entries about their leases', async () => {
    const { app, get, pay } = await setUp(await h.openMigrated());
    await pay('S1', 'PAY-S');
    await pay('L1', 'PAY-L');
    const items: Entry[] = (await get('/api/v1/audit', 'manager2')).json().items;
    // Only entries about S1 (the payment, and what its re-evaluation changed there).
    expect(items.map((e) => [e.type, e.subject])).toContainEqual(['ledger.posted', 'lease:S1']);
    expect(items.every((e) => /S1/.test(e.subject))).toBe(true);
    expect((await get('/api/v1/audit?subject=lease:L1', 'manager2')).json().items).toEqual([]);
    await app.close();
  });

  it('verifies the organisation’s chain as `arrears audit verify` does, and finds tampering', async () => {
    const db = await h.openMigrated();
    const { app, acme, other, get } = await setUp(db);
    const r = await get('/api/v1/audit/verify');
    expect(r.statusCode).toBe(200);
    const all = await verifyAudit(db);
    const mine = all.organisations.find((o) => o.orgId === acme)!;
    expect(r.json()).toEqual({ ok: true, entries: mine.entries, organisations: [mine] });
    expect((await get('/api/v1/audit/verify', 'other')).json()).toEqual({
      ok: true,
      entries: 0,
      organisations: [{ orgId: other, ok: true, entries: 0 }],
    });
    expect((await get('/api/v1/audit/verify', 'clerk')).statusCode).toBe(403);

    await db.kysely
      .updateTable('audit')
      .set({ data: '{"forged":true}' })
      .where('org_id', '=', acme)
      .where('seq', '=', 2)
      .execute();
    const broken = (await get('/api/v1/audit/verify', 'manager')).json();
    expect(broken).toMatchObject({
      ok: false,
      entries: 1,
      organisations: [{ orgId: acme, ok: false, seq: 2, reason: expect.any(String) }],
    });
    expect(broken.organisations[0]).toEqual(
      (await verifyAudit(db)).organisations.find((o) => o.orgId === acme),
    );
    await app.close();
  });
});
