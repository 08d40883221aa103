/**
 * The policy editor's API over a real database: listing with versions, the current version
 * as YAML, validation with paths, a simulated timeline of one stored lease, a dry run
 * listing what changes for open cases, applying a new version with its author — and who
 * may apply what: admins any policy, managers only overrides of their properties.
 */
import { parse as parseYaml } from 'yaml';
import { expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import { AS_OF } from '../../../../test/support/report-fixture.js';
import { saveFixture } from '../../../../test/support/report-fixture-db.js';
import type { Principal, Role } from '../../../app/ports/auth.js';
import { fixedClock } from '../../../app/ports/clock.js';
import { dashboardApiFor } from '../../../cli/commands/serve-api.js';
import type { Db } from '../../../storage/database.js';
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

/** A property override of Oak Court (P1), as YAML. */
const OVERRIDE = `
id: oak-override
name: Oak Court override
appliesTo:
  propertyIds: [P1]
stages:
  - id: reminder
    day: 3
    actions:
      - { id: sms, type: message, channel: sms, template: reminder }
  - id: call
    day: 12
    actions:
      - { id: call, type: task, title: Call the tenant, assignee: "role:collections" }
`;

/** A new version of the fixture's corporate `res` policy, as JSON. */
const RES_V2 = JSON.stringify({
  id: 'res',
  appliesTo: { kind: 'residential' },
  stages: [
    {
      id: 'reminder',
      day: 2,
      actions: [{ id: 'sms', type: 'message', channel: 'sms', template: 'reminder' }],
    },
    { id: 'call', day: 40, actions: [{ id: 'call', type: 'task', title: 'Call the tenant' }] },
  ],
});

let n = 0;

async function setUp(db: Db) {
  const acme = `p-acme-${++n}`;
  const other = `p-other-${n}`;
  await saveFixture(db, acme);
  await ensureOrganisation(db, { id: other, name: 'Other', at: '2026-12-01T00:00:00.000Z' });
  const clock = fixedClock(Date.parse(`${AS_OF}T20:00:00Z`));
  const rt = { db, clock, orgId: acme, env: {}, close: async () => undefined };
  const app = await buildApp({
    ...fakeDeps().deps,
    clock,
    auth: fakeAuth({
      admin: principal(acme, 'admin'),
      manager: principal(acme, 'manager'),
      manager1: principal(acme, 'manager', ['P1']),
      manager2: principal(acme, 'manager', ['P2']),
      clerk: principal(acme, 'collections'),
      owner: principal(acme, 'owner', ['P1']),
      other: principal(other, 'admin'),
    }),
    apiRoutes: [...dashboardApiFor(rt), ...API_V1_ROUTES],
  });
  const headers = (token: string | null) => (token ? { authorization: `Bearer ${token}` } : {});
  return {
    app,
    acme,
    get: (url: string, token: string | null = 'clerk') =>
      app.inject({ url, headers: headers(token) }),
    post: (url: string, payload: object, token: string | null = 'clerk') =>
      app.inject({ method: 'POST', url, headers: headers(token), payload }),
  };
}

const ids = (r: { json(): { items: { id: string }[] } }) => r.json().items.map((p) => p.id);

forEachDialect('policies API', (h) => {
  it('lists policies, shows the current version as YAML, and every version', async () => {
    const { app, get } = await setUp(await h.openMigrated());
    expect((await get('/api/v1/policies', null)).statusCode).toBe(401);
    const list = await get('/api/v1/policies', 'owner');
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({
        id: 'res',
        version: 1,
        versions: 1,
        scope: 'corporate',
        stages: 5,
      }),
      expect.objectContaining({ id: 'sto', version: 1, versions: 1, scope: 'corporate' }),
    ]);
    const page1 = await get('/api/v1/policies?limit=1');
    expect(ids(page1)).toEqual(['res']);
    expect(ids(await get(`/api/v1/policies?limit=1&cursor=${page1.json().nextCursor}`))).toEqual([
      'sto',
    ]);

    const res = (await get('/api/v1/policies/res')).json();
    expect(res).toMatchObject({ id: 'res', version: 1, format: 'yaml', author: 'test' });
    expect(res.policy).toMatchObject({ id: 'res', appliesTo: { kind: 'residential' } });
    expect(parseYaml(res.source)).toEqual(res.policy);
    expect((await get('/api/v1/policies/res/versions')).json().items).toEqual([
      expect.objectContaining({ id: 'res', version: 1, author: 'test' }),
    ]);
    for (const [url, token] of [
      ['/api/v1/policies/nope', 'clerk'],
      ['/api/v1/policies/res', 'other'],
      ['/api/v1/policies/res/versions', 'other'],
    ] as const)
      expect((await get(url, token)).statusCode, `${url} ${token}`).toBe(404);
    expect((await get('/api/v1/policies', 'other')).json()).toEqual({
      items: [],
      nextCursor: null,
    });
    await app.close();
  });

  it('validates policy text and names the path of every error', async () => {
    const { app, post } = await setUp(await h.openMigrated());
    const ok = await post('/api/v1/policies/validate', { source: OVERRIDE, format: 'yaml' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({
      ok: true,
      valid: true,
      policy: { id: 'oak-override', version: 1 },
      stages: 2,
      errors: [],
    });
    const semantic = await post('/api/v1/policies/validate', {
      source: OVERRIDE.replace('day: 3', 'day: -3').replace('template: reminder', 'template: nope'),
    });
    expect(semantic.statusCode).toBe(200);
    const body = semantic.json();
    expect(body.ok).toBe(false);
    expect(body.policy).toEqual({ id: 'oak-override', version: 1 });
    expect(body.errors.length).toBeGreaterThan(0);
    for (const e of body.errors) expect(e.path).toMatch(/^stages\[0\]/);
    const syntax = await post('/api/v1/policies/validate', {
      source: 'id: x\n  - : [',
      format: 'yaml',
    });
    expect(syntax.json().ok).toBe(false);
    expect(syntax.json().errors[0].path).toMatch(/^line \d+, column \d+$/);
    const json = await post('/api/v1/policies/validate', { source: '{"id": 1', format: 'json' });
    expect(json.json()).toMatchObject({ ok: false, policy: null });

    const bad = await post('/api/v1/policies/validate', { format: 'toml', extra: true });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(
      bad
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['body.extra', 'body.format', 'body.source']);
    expect(
      (await post('/api/v1/policies/validate', { source: OVERRIDE }, 'owner')).statusCode,
    ).toBe(403);
    await app.close();
  });

  it('previews a lease’s timeline under the edited policy without storing it', async () => {
    const { app, get, post } = await setUp(await h.openMigrated());
    const r = await post('/api/v1/policies/preview', { source: OVERRIDE, leaseId: 'L5' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc).toMatchObject({
      leaseId: 'L5',
      from: AS_OF,
      to: '2027-03-14',
      policy: { id: 'oak-override', version: 1 },
      candidate: { id: 'oak-override', version: 1, governs: true },
    });
    expect(doc.actions.length).toBeGreaterThan(0);
    expect(doc.actions.every((a: { leaseId: string }) => a.leaseId === 'L5')).toBe(true);
    expect(doc.actions).toContainEqual(
      expect.objectContaining({
        stage: 'call',
        action: 'call',
        type: 'task',
        key: 'L5:1:call:call',
      }),
    );
    expect(doc.episodes).toContainEqual(expect.objectContaining({ leaseId: 'L5', episode: 1 }));
    // The storage lease keeps its own policy; the answer says the edit does not govern it.
    const s1 = await post('/api/v1/policies/preview', {
      source: OVERRIDE,
      leaseId: 'S1',
      from: '2026-12-01',
      days: 10,
    });
    expect(s1.json()).toMatchObject({
      from: '2026-12-01',
      to: '2026-12-10',
      policy: { id: 'sto' },
      candidate: { governs: false },
    });
    // Nothing stored.
    expect(ids(await get('/api/v1/policies'))).toEqual(['res', 'sto']);

    for (const [leaseId, token] of [
      ['L5', 'other'],
      ['L5', 'manager2'],
      ['NOPE', 'clerk'],
    ] as const)
      expect(
        (await post('/api/v1/policies/preview', { source: OVERRIDE, leaseId }, token)).statusCode,
      ).toBe(404);
    const invalid = await post('/api/v1/policies/preview', {
      source: OVERRIDE.replace('day: 12', 'day: many'),
      leaseId: 'L5',
      days: 0,
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().errors.map((e: { path: string }) => e.path)).toEqual(['body.days']);
    const unparsable = await post('/api/v1/policies/preview', {
      source: OVERRIDE.replace('day: 12', 'day: many'),
      leaseId: 'L5',
    });
    expect(unparsable.statusCode).toBe(400);
    expect(unparsable.json().errors[0].path).toMatch(/^body\.source: stages\[1\]/);
    await app.close();
  });

  it('dry-runs a change: what the open cases it governs would do next', async () => {
    const { app, get, post } = await setUp(await h.openMigrated());
    const r = await post('/api/v1/policies/dry-run', { source: RES_V2, format: 'json' }, 'manager');
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc).toMatchObject({ stored: false, policyId: 'res', version: 2 });
    expect(doc.openCases.map((c: { leaseId: string }) => c.leaseId).sort()).toEqual([
      'L1',
      'L2',
      'L4',
      'L5',
    ]);
    for (const c of doc.openCases) expect(c).toHaveProperty('before');
    expect(doc.openCases.some((c: { after: unknown }) => c.after !== null)).toBe(true);
    // A manager of P2 sees none of P1's cases.
    const scoped = await post('/api/v1/policies/dry-run', { source: RES_V2 }, 'manager2');
    expect(scoped.json().openCases).toEqual([]);
    expect((await get('/api/v1/policies/res')).json().version).toBe(1);
    expect((await post('/api/v1/policies/dry-run', { source: RES_V2 }, 'clerk')).statusCode).toBe(
      403,
    );
    await app.close();
  });

  it('applies a new version with its author: admins any policy, managers their overrides', async () => {
    const { app, get, post } = await setUp(await h.openMigrated());
    // Corporate: admins only.
    const corporate = await post('/api/v1/policies', { source: RES_V2 }, 'manager');
    expect(corporate.statusCode).toBe(403);
    expect(corporate.json().detail).toMatch(/corporate policy/);
    for (const token of ['clerk', 'owner']) {
      const r = await post('/api/v1/policies', { source: OVERRIDE }, token);
      expect(r.statusCode, token).toBe(403);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await post('/api/v1/policies', { source: OVERRIDE }, null)).statusCode).toBe(401);
    // An override of a property the manager does not manage.
    const foreign = await post('/api/v1/policies', { source: OVERRIDE }, 'manager2');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().detail).toMatch(/P1/);

    const mine = await post('/api/v1/policies', { source: OVERRIDE }, 'manager1');
    expect(mine.statusCode).toBe(201);
    expect(mine.json()).toMatchObject({ stored: true, policyId: 'oak-override', version: 1 });
    // Its id is now an override of P1: a manager of P2 may not take it over.
    const takeover = await post(
      '/api/v1/policies',
      { source: OVERRIDE.replace('[P1]', '[P2]') },
      'manager2',
    );
    expect(takeover.statusCode).toBe(403);

    const v2 = await post('/api/v1/policies', { source: RES_V2, format: 'json' }, 'admin');
    expect(v2.statusCode).toBe(201);
    expect(v2.json()).toMatchObject({ stored: true, policyId: 'res', version: 2 });
    const versions = (await get('/api/v1/policies/res/versions')).json().items;
    expect(versions.map((v: { version: number; author: string }) => [v.version, v.author])).toEqual(
      [
        [2, `admin@${'p-acme-' + n}.example`],
        [1, 'test'],
      ],
    );
    const page = (await get('/api/v1/policies/res/versions?limit=1')).json();
    expect(page.items).toHaveLength(1);
    expect(
      (await get(`/api/v1/policies/res/versions?limit=1&cursor=${page.nextCursor}`)).json().items[0]
        .version,
    ).toBe(1);
    expect((await get('/api/v1/policies')).json().items).toContainEqual(
      expect.objectContaining({
        id: 'oak-override',
        scope: 'override',
        author: `manager@p-acme-${n}.example`,
      }),
    );
    // Overrides of other properties are not shown to a manager of P2.
    expect(ids(await get('/api/v1/policies', 'manager2'))).toEqual(['res', 'sto']);
    expect((await get('/api/v1/policies/oak-override', 'manager2')).statusCode).toBe(404);

    const invalid = await post('/api/v1/policies', { source: 'id: broken\nstages: []' }, 'admin');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().errors[0]).toMatchObject({ path: 'body.source: stages' });
    await app.close();
  });
});
