/**
 * Users over the API, on a real database: the `arrears user add` store call (lower-case,
 * unique e-mail; the first user an admin; audited as the calling admin), listing a page at
 * a time, validation as problem+json with paths, and roles: admins add, admins and
 * managers list, nobody sees another organisation's users.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import type { Principal, Role } from '../../../app/ports/auth.js';
import { fixedClock } from '../../../app/ports/clock.js';
import { dashboardApiFor } from '../../../cli/commands/serve-api.js';
import type { Db } from '../../../storage/database.js';
import { readChain } from '../../../storage/repos/audit-repo.js';
import { ensureOrganisation } from '../../../storage/repos/organisations-repo.js';
import { buildApp } from '../../app.js';
import { fakeAuth, fakeDeps } from '../../testing.js';
import { API_V1_ROUTES } from './index.js';

const principal = (orgId: string, role: Role): Principal => ({
  userId: `u-${orgId}-${role}`,
  email: `${role}@${orgId}.example`,
  role,
  orgId,
  via: 'api_token',
});

let n = 0;

async function setUp(db: Db) {
  const acme = `u-acme-${++n}`;
  const other = `u-other-${n}`;
  const at = '2026-12-01T00:00:00.000Z';
  await ensureOrganisation(db, { id: acme, name: 'Acme', at });
  await ensureOrganisation(db, { id: other, name: 'Other', at });
  const clock = fixedClock(Date.parse('2026-12-15T20:00:00Z'));
  const rt = { db, clock, orgId: acme, env: {}, close: async () => undefined };
  const app = await buildApp({
    ...fakeDeps().deps,
    clock,
    auth: fakeAuth({
      admin: principal(acme, 'admin'),
      manager: principal(acme, 'manager'),
      clerk: principal(acme, 'collections'),
      owner: principal(acme, 'owner'),
      auditor: principal(acme, 'auditor'),
      other: principal(other, 'admin'),
    }),
    apiRoutes: [...dashboardApiFor(rt), ...API_V1_ROUTES],
  });
  const headers = (token: string | null) => (token ? { authorization: `Bearer ${token}` } : {});
  return {
    app,
    acme,
    get: (url: string, token: string | null = 'admin') =>
      app.inject({ url, headers: headers(token) }),
    add: (payload: object, token: string | null = 'admin') =>
      app.inject({ method: 'POST', url: '/api/v1/users', headers: headers(token), payload }),
  };
}

forEachDialect('users API', (h) => {
  it('adds users as `arrears user add` does, audited as the calling admin', async () => {
    const db = await h.openMigrated();
    const { app, acme, add } = await setUp(db);
    expect((await add({ email: 'a@x.example', role: 'manager' }, null)).statusCode).toBe(401);
    for (const token of ['manager', 'clerk', 'owner', 'auditor']) {
      const r = await add({ email: 'a@x.example', role: 'manager' }, token);
      expect(r.statusCode, token).toBe(403);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }

    // The first user of an organisation is an admin, whatever was asked.
    const first = await add({ email: ' Ada@Acme.Example ', role: 'collections' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      id: expect.any(String),
      email: 'ada@acme.example',
      role: 'admin',
      createdAt: '2026-12-15T20:00:00.000Z',
      requestedRole: 'collections',
    });
    const second = await add({ email: 'bo@acme.example', role: 'finance', name: 'Bo' });
    expect(second.statusCode).toBe(201);
    expect(second.json()).toMatchObject({ email: 'bo@acme.example', role: 'finance' });
    expect(second.json().warnings).toEqual(['`name` was not stored: users have no name field yet']);

    const dup = await add({ email: 'BO@acme.example', role: 'legal' });
    expect(dup.statusCode).toBe(409);
    const invalid = await add({ email: 'not-an-email', role: 'janitor', extra: 1 });
    expect(invalid.statusCode).toBe(400);
    expect(
      invalid
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['body.extra', 'body.role']);
    const email = await add({ email: 'not-an-email', role: 'legal' });
    expect(email.statusCode).toBe(400);
    expect(email.json().errors).toEqual([
      { path: 'body.email', message: '`not-an-email` is not an e-mail address' },
    ]);

    const audit = (await readChain(db, acme)).filter((e) => e.type === 'user.added');
    expect(audit.map((e) => e.actor)).toEqual([`user:u-${acme}-admin`, `user:u-${acme}-admin`]);
    await app.close();
  });

  it('lists the organisation’s users a page at a time to admins and managers', async () => {
    const { app, add, get } = await setUp(await h.openMigrated());
    for (const [i, role] of ['admin', 'manager', 'legal', 'owner', 'auditor'].entries())
      expect((await add({ email: `u${i}@acme.example`, role })).statusCode).toBe(201);
    expect((await get('/api/v1/users', null)).statusCode).toBe(401);
    for (const token of ['clerk', 'owner', 'auditor'])
      expect((await get('/api/v1/users', token)).statusCode, token).toBe(403);

    const seen: { email: string; role: string }[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`, 'manager');
      expect(r.statusCode).toBe(200);
      seen.push(...r.json().items);
      cursor = r.json().nextCursor;
    } while (cursor);
    expect(seen.map((u) => u.email).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => `u${i}@acme.example`),
    );
    expect(seen.find((u) => u.email === 'u3@acme.example')?.role).toBe('owner');
    expect((await get('/api/v1/users?cursor=abc')).json().errors[0].path).toBe('query.cursor');
    expect((await get('/api/v1/users', 'other')).json()).toEqual({ items: [], nextCursor: null });
    await app.close();
  });
});
