/**
 * Recording SPEC 3.1 events over the API and reading a lease's holds, over a real
 * database: the CLI's use case and answer, all-or-nothing validation with request paths,
 * deduplication, holds replayed from the stored events, and scoping (a lease outside the
 * caller's properties reads like a missing one; read-only roles may only GET).
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import { AS_OF } from '../../../../test/support/report-fixture.js';
import { saveFixture } from '../../../../test/support/report-fixture-db.js';
import type { Principal, Role } from '../../../app/ports/auth.js';
import { fixedClock } from '../../../app/ports/clock.js';
import { dashboardApiFor } from '../../../cli/commands/serve-api.js';
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
  const acme = `e-acme-${++n}`;
  const other = `e-other-${n}`;
  await saveFixture(db, acme);
  await ensureOrganisation(db, { id: other, name: 'Other', at: '2026-12-01T00:00:00.000Z' });
  const clock = fixedClock(Date.parse(`${AS_OF}T20:00:00Z`));
  const rt = { db, clock, orgId: acme, env: {}, close: async () => undefined };
  const app = await buildApp({
    ...fakeDeps().deps,
    clock,
    auth: fakeAuth({
      clerk: principal(acme, 'collections'),
      auditor: principal(acme, 'auditor'),
      owner1: principal(acme, 'owner', ['P1']),
      owner2: principal(acme, 'owner', ['P2']),
      manager2: principal(acme, 'manager', ['P2']),
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
    post: (payload: unknown, token: string | null = 'clerk') =>
      app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...headers(token), 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      }),
  };
}

const PROMISE = {
  leaseId: 'S1',
  date: AS_OF,
  type: 'promise',
  amountCents: 20000,
  until: '2026-12-22',
};
const PLAN = {
  leaseId: 'L1',
  date: AS_OF,
  type: 'plan',
  installments: [
    { dueDate: '2026-12-20', amountCents: 100000 },
    { dueDate: '2027-01-05', amountCents: 100000 },
  ],
};

forEachDialect('events API', (h) => {
  it('records events as `arrears event` does: once, audited, in either file shape', async () => {
    const db = await h.openMigrated();
    const { app, acme, post } = await setUp(db);
    expect((await post([PROMISE], null)).statusCode).toBe(401);

    const first = await post({ events: [PROMISE, PLAN] });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ recorded: 2, duplicates: 0, leases: ['L1', 'S1'] });
    const again = await post([PROMISE]);
    expect(again.json()).toEqual({ recorded: 0, duplicates: 1, leases: [] });
    const audit = (await readChain(db, acme)).filter((e) => e.type === 'events.recorded');
    expect(audit.at(-2)).toMatchObject({
      actor: `user:u-${acme}-collections`,
      data: { source: 'http', counts: { events: { inserted: 2 } } },
    });

    // Read-only roles may not post; another organisation does not know the lease.
    for (const token of ['owner2', 'auditor'])
      expect((await post([PROMISE], token)).statusCode).toBe(403);
    const theirs = await post([PROMISE], 'other');
    expect(theirs.statusCode).toBe(400);
    expect(theirs.json().errors).toEqual([
      { path: 'body[0].leaseId', message: 'no lease has id `S1`; import it first or fix the id' },
    ]);
    // A tenant or property that does not exist is named, not stored to reach nobody.
    const typo = await post([
      { type: 'reply', tenantId: 'T-NOPE', date: AS_OF, channel: 'sms', text: 'STOP' },
      { type: 'hold', hold: 'manual', propertyId: 'P-NOPE', scope: 'property', date: AS_OF },
    ]);
    expect(typo.statusCode).toBe(400);
    expect(typo.json().errors).toEqual([
      {
        path: 'body[0].tenantId',
        message: 'no tenant has id `T-NOPE`; import it first or fix the id',
      },
      {
        path: 'body[1].propertyId',
        message: 'no property has id `P-NOPE`; import it first or fix the id',
      },
    ]);
    await app.close();
  });

  it('validates every event, all or nothing, with the request path of each problem', async () => {
    const { app, post, get } = await setUp(await h.openMigrated());
    const r = await post({
      events: [
        PROMISE,
        { leaseId: 'L1', date: '2026-13-01', type: 'promise', until: AS_OF },
        { leaseId: 'L1', date: AS_OF, type: 'promise' },
        { leaseId: 'L1', date: AS_OF, type: 'party' },
        { leaseId: 'L1', date: AS_OF, type: 'flag', colour: 'red' },
      ],
    });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const paths = r.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'body.events[1].date',
        'body.events[2].until',
        'body.events[3].type',
        'body.events[4].colour',
      ]),
    );
    expect(paths.some((p: string) => p.startsWith('body.events[0]'))).toBe(false);
    // Nothing was written.
    expect((await get('/api/v1/holds?leaseId=S1')).json().events).not.toContainEqual(
      expect.objectContaining({ amountCents: 20000 }),
    );
    expect((await post({ events: [], extra: 1 })).json().errors).toEqual([
      { path: 'body.extra', message: 'is not a known field' },
    ]);
    expect((await post('promise')).statusCode).toBe(400);
    await app.close();
  });

  it('lets a caller limited to some properties record events only for them', async () => {
    const { app, post } = await setUp(await h.openMigrated());
    expect((await post([PROMISE], 'manager2')).json()).toMatchObject({ recorded: 1 });
    const outside = await post(
      [{ ...PLAN }, { leaseId: 'NOPE', date: AS_OF, type: 'flag' }],
      'manager2',
    );
    expect(outside.statusCode).toBe(400);
    const errors = outside.json().errors;
    // A lease of another property reads exactly like one that does not exist.
    expect(errors).toEqual([
      { path: 'body[0].leaseId', message: 'no lease has id `L1`; import it first or fix the id' },
      { path: 'body[1].leaseId', message: 'no lease has id `NOPE`; import it first or fix the id' },
    ]);
    const wide = await post(
      [
        { date: AS_OF, type: 'hold', hold: 'manual', scope: 'organisation' },
        { propertyId: 'P1', date: AS_OF, type: 'hold', hold: 'manual', scope: 'property' },
        { tenantId: 'T1', date: AS_OF, type: 'flag' },
      ],
      'manager2',
    );
    expect(wide.json().errors.map((e: { path: string }) => e.path)).toEqual([
      'body[0].scope',
      'body[1].propertyId',
      'body[2].tenantId',
    ]);
    await app.close();
  });

  it('lists a lease’s holds, promises, plans and disputes, in force and past', async () => {
    const { app, get, post } = await setUp(await h.openMigrated());
    await post([PLAN]);
    const l2 = await get('/api/v1/holds?leaseId=L2', 'owner1');
    expect(l2.statusCode).toBe(200);
    const doc = l2.json();
    expect(doc.at).toBe(AS_OF);
    expect(doc.holds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'promise',
          start: '2026-11-20',
          state: 'settled',
          promise: { amountCents: 50000, since: '2026-11-20', outcome: 'broken' },
        }),
        expect.objectContaining({
          type: 'promise',
          start: '2026-12-09',
          promise: expect.objectContaining({ outcome: 'kept' }),
        }),
        expect.objectContaining({
          type: 'dispute',
          origin: 'dispute',
          state: 'active',
          note: 'says rent was paid in cash',
        }),
      ]),
    );
    expect(doc.events.map((e: { type: string }) => e.type)).toEqual([
      'promise',
      'promise',
      'dispute',
    ]);

    const l1 = (await get('/api/v1/holds?leaseId=L1')).json();
    expect(l1.holds).toContainEqual(
      expect.objectContaining({
        type: 'payment_plan',
        state: 'active',
        plan: expect.objectContaining({ outcome: 'open', since: AS_OF }),
      }),
    );
    // Before the plan was made it was not there.
    const earlier = (await get('/api/v1/holds?leaseId=L1&at=2026-12-12')).json();
    expect(earlier.holds.some((x: { type: string }) => x.type === 'payment_plan')).toBe(false);

    for (const [url, token] of [
      ['/api/v1/holds?leaseId=L2', 'owner2'],
      ['/api/v1/holds?leaseId=L2', 'other'],
      ['/api/v1/holds?leaseId=NOPE', 'clerk'],
    ] as const)
      expect((await get(url, token)).statusCode, `${url} ${token}`).toBe(404);
    const missing = await get('/api/v1/holds');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([{ path: 'query.leaseId', message: 'is required' }]);
    expect((await get('/api/v1/holds?leaseId=L1', null)).statusCode).toBe(401);
    await app.close();
  });
});
