/**
 * Tasks over a real database: task items queued and dispatched as the engine does (the
 * dispatcher creates the task rows), listed with assignee and due-date filters and paged,
 * completed through the outbox state machine (sent → delivered as the task provider, the
 * task `done`, both audited as the user), and scoped to the caller's organisation and
 * properties.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import { dispatchOutbox } from '../../../app/dispatch-outbox.js';
import type { Principal, Role } from '../../../app/ports/auth.js';
import { fixedClock } from '../../../app/ports/clock.js';
import { dashboardApiFor } from '../../../cli/commands/serve-api.js';
import { portfolio as portfolioSchema } from '../../../domain/portfolio/schema.js';
import { newItem, scriptedRecheck } from '../../../outbox/testing.js';
import type { Db } from '../../../storage/database.js';
import { readChain } from '../../../storage/repos/audit-repo.js';
import { ensureOrganisation } from '../../../storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../../../storage/repos/outbox-repo.js';
import { portfolioStore } from '../../../storage/repos/portfolio-repo.js';
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

const NOW = Date.parse('2026-12-15T20:00:00.000Z');
const TODAY = '2026-12-15';

const PORTFOLIO = portfolioSchema.parse({
  properties: ['P1', 'P2'].map((id) => ({
    id,
    name: id,
    timezone: 'America/Chicago',
    jurisdiction: 'US-TX',
    kind: 'residential',
  })),
  tenants: [
    { id: 'T1', name: 'Ana' },
    { id: 'T2', name: 'Bo' },
  ],
  leases: [
    { id: 'L1', propertyId: 'P1', unit: '1', tenantIds: ['T1'], rentCents: 100000 },
    { id: 'L2', propertyId: 'P2', unit: '2', tenantIds: ['T2'], rentCents: 100000 },
  ],
  ledger: [],
});

const task = (key: string, leaseId: string, payload: object, approvalsRequired: 0 | 1 = 0) =>
  newItem(key, {
    leaseId,
    stage: key.split(':')[2]!,
    action: 'task',
    type: 'task',
    channel: null,
    method: null,
    contactId: null,
    dueAt: new Date(NOW - 60_000).toISOString(),
    payload: { title: `Task ${key}`, ...payload },
    approvalsRequired,
    pastDueCents: null,
  });

let n = 0;

async function setUp(db: Db) {
  const acme = `t-acme-${++n}`;
  const other = `t-other-${n}`;
  const at = '2026-12-01T00:00:00.000Z';
  await ensureOrganisation(db, { id: acme, name: 'Acme', at });
  await ensureOrganisation(db, { id: other, name: 'Other', at });
  await portfolioStore(db).savePortfolio(acme, PORTFOLIO, { source: 'import', actor: 'test', at });
  const clock = fixedClock(NOW);
  const outbox = createOutboxRepo(db, clock);
  await db.transaction((trx) =>
    outbox.insertItems(
      trx,
      acme,
      [
        task('L1:1:call:task', 'L1', { assignee: 'role:collections', dueDate: TODAY }),
        task('L1:1:review:task', 'L1', {
          assignee: 'Manager@' + acme + '.example',
          dueDate: '2026-12-10',
        }),
        task('L1:1:later:task', 'L1', { assignee: 'role:legal', dueDate: '2026-12-01' }, 1),
        task('L2:1:call:task', 'L2', { assignee: 'role:collections', dueDate: TODAY }),
      ],
      'system:scan',
    ),
  );
  const counts = await dispatchOutbox(
    {
      outbox,
      recheck: scriptedRecheck(),
      senders: { senderFor: () => undefined },
      clock,
      workerId: 'test',
    },
    { orgId: acme },
  );
  expect(counts.tasks).toBe(3);
  const rt = { db, clock, orgId: acme, env: {}, close: async () => undefined };
  const app = await buildApp({
    ...fakeDeps().deps,
    clock,
    auth: fakeAuth({
      clerk: principal(acme, 'collections'),
      manager: principal(acme, 'manager'),
      manager2: principal(acme, 'manager', ['P2']),
      auditor: principal(acme, 'auditor'),
      owner: principal(acme, 'owner', ['P1']),
      other: principal(other, 'admin'),
    }),
    apiRoutes: [...dashboardApiFor(rt), ...API_V1_ROUTES],
  });
  const headers = (token: string | null) => (token ? { authorization: `Bearer ${token}` } : {});
  return {
    app,
    acme,
    outbox,
    get: (url: string, token: string | null = 'clerk') =>
      app.inject({ url, headers: headers(token) }),
    complete: (key: string, payload: object | undefined, token: string | null = 'clerk') =>
      app.inject({
        method: 'POST',
        url: `/api/v1/tasks/${encodeURIComponent(key)}/complete`,
        headers: headers(token),
        ...(payload ? { payload } : {}),
      }),
    photo: (key: string, bytes: Buffer, type: string, token: string | null = 'clerk') =>
      app.inject({
        method: 'POST',
        url: `/api/v1/tasks/${encodeURIComponent(key)}/photos`,
        headers: { ...headers(token), 'content-type': type },
        payload: bytes,
      }),
  };
}

const keys = (r: { json(): { items: { key: string }[] } }) => r.json().items.map((t) => t.key);

forEachDialect('tasks API', (h) => {
  it('lists task items with their assignee, due date and status, filtered and paged', async () => {
    const { app, get } = await setUp(await h.openMigrated());
    expect((await get('/api/v1/tasks', null)).statusCode).toBe(401);

    const seen: { key: string }[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/api/v1/tasks?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode).toBe(200);
      seen.push(...r.json().items);
      cursor = r.json().nextCursor;
    } while (cursor);
    expect(seen.map((t) => t.key)).toEqual([
      'L1:1:call:task',
      'L1:1:later:task',
      'L1:1:review:task',
      'L2:1:call:task',
    ]);
    expect(seen[0]).toMatchObject({
      leaseId: 'L1',
      propertyId: 'P1',
      title: 'Task L1:1:call:task',
      assignee: 'role:collections',
      dueDate: TODAY,
      status: 'open',
      outboxStatus: 'sent',
      completedAt: null,
    });
    expect(seen[1]).toMatchObject({ status: 'pending', outboxStatus: 'draft' });

    expect(keys(await get('/api/v1/tasks?assignee=role:collections'))).toEqual([
      'L1:1:call:task',
      'L2:1:call:task',
    ]);
    // `me`: the caller's e-mail (any case) or role.
    expect(keys(await get('/api/v1/tasks?assignee=me', 'manager'))).toEqual(['L1:1:review:task']);
    expect(keys(await get('/api/v1/tasks?assignee=me'))).toEqual([
      'L1:1:call:task',
      'L2:1:call:task',
    ]);
    expect(keys(await get(`/api/v1/tasks?due=today&at=${TODAY}`))).toEqual([
      'L1:1:call:task',
      'L2:1:call:task',
    ]);
    expect(keys(await get(`/api/v1/tasks?due=overdue&at=${TODAY}`))).toEqual([
      'L1:1:later:task',
      'L1:1:review:task',
    ]);
    expect(keys(await get('/api/v1/tasks?due=today&limit=1'))).toEqual(['L1:1:call:task']);

    const bad = await get('/api/v1/tasks?due=tomorrow&at=2026-02-30');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toEqual(['query.due']);
    expect((await get('/api/v1/tasks?at=2026-02-30')).json().errors[0].path).toBe('query.at');

    // Scope: properties, organisation, roles.
    expect(keys(await get('/api/v1/tasks', 'manager2'))).toEqual(['L2:1:call:task']);
    expect((await get('/api/v1/tasks', 'other')).json()).toEqual({ items: [], nextCursor: null });
    expect((await get('/api/v1/tasks', 'auditor')).statusCode).toBe(200);
    expect((await get('/api/v1/tasks', 'owner')).statusCode).toBe(403);
    await app.close();
  });

  it('completes an open task through the state machine, audited as the user', async () => {
    const db = await h.openMigrated();
    const { app, acme, outbox, get, complete } = await setUp(db);

    for (const [token, status] of [
      [null, 401],
      ['auditor', 403],
      ['owner', 403],
      ['manager2', 404],
      ['other', 404],
    ] as const) {
      const r = await complete('L1:1:call:task', { note: 'x' }, token);
      expect(r.statusCode, String(token)).toBe(status);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await complete('L9:1:nope:task', undefined)).statusCode).toBe(404);
    const invalid = await complete('L1:1:call:task', { note: '', by: 'me' });
    expect(invalid.statusCode).toBe(400);
    expect(
      invalid
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['body.by', 'body.note']);

    const r = await complete('L1:1:call:task', { note: 'spoke to Ana; paying Friday' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      key: 'L1:1:call:task',
      status: 'done',
      outboxStatus: 'delivered',
      completedAt: '2026-12-15T20:00:00.000Z',
      completedBy: `user:u-${acme}-collections`,
      note: 'spoke to Ana; paying Friday',
    });
    expect((await outbox.get(acme, 'L1:1:call:task'))?.status).toBe('delivered');
    const audit = (await readChain(db, acme)).filter((e) => e.subject === 'outbox:L1:1:call:task');
    expect(audit.slice(-2)).toEqual([
      expect.objectContaining({
        actor: 'provider:tasks',
        type: 'outbox.delivered',
        data: expect.objectContaining({ completedBy: `user:u-${acme}-collections` }),
      }),
      expect.objectContaining({
        actor: `user:u-${acme}-collections`,
        type: 'task.completed',
        data: { key: 'L1:1:call:task', note: 'spoke to Ana; paying Friday' },
      }),
    ]);
    // Done is done; a task not created yet cannot be completed.
    const twice = await complete('L1:1:call:task', undefined);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().detail).toMatch(/is done since/);
    const draft = await complete('L1:1:later:task', undefined, 'manager');
    expect(draft.statusCode).toBe(409);
    expect(draft.json().detail).toMatch(/not created yet: its outbox item is draft/);
    // A manager of P2 completes P2's task without a body.
    expect((await complete('L2:1:call:task', undefined, 'manager2')).json().status).toBe('done');
    expect(keys(await get(`/api/v1/tasks?due=today&at=${TODAY}`))).toEqual([]);
    await app.close();
  });

  it('a field worker adds photos of the unit to a task; they are stored once, listed and served back', async () => {
    const { get, photo } = await setUp(await h.openMigrated());
    const key = 'L1:1:call:task';
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('inventory photo 1'),
    ]);
    expect((await photo(key, png, 'image/png', null)).statusCode).toBe(401);
    expect((await photo(key, png, 'image/png', 'owner')).statusCode).toBe(403);
    expect((await photo(key, png, 'image/png', 'manager2')).statusCode).toBe(404);
    const fake = await photo(key, Buffer.from('not a picture'), 'image/png');
    expect(fake.statusCode).toBe(400);
    expect(fake.json().detail).toContain('not a image/png picture');
    const text = await photo(key, Buffer.from('x'), 'text/plain');
    expect(text.statusCode).toBe(400);
    expect(text.json().errors[0].path).toBe('content-type');

    const added = await photo(key, png, 'image/png');
    expect(added.statusCode).toBe(201);
    const { sha256 } = added.json();
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await photo(key, png, 'image/png')).statusCode).toBe(201);
    const list = (await get(`/api/v1/tasks/${encodeURIComponent(key)}/photos`)).json().items;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ sha256, contentType: 'image/png', byteSize: png.length });
    const served = await get(`/api/v1/tasks/${encodeURIComponent(key)}/photos/${sha256}`);
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.rawPayload.equals(png)).toBe(true);
    expect(
      (await get(`/api/v1/tasks/${encodeURIComponent(key)}/photos/${'0'.repeat(64)}`)).statusCode,
    ).toBe(404);
    expect(
      (await get(`/api/v1/tasks/${encodeURIComponent(key)}/photos/${sha256}`, 'manager2'))
        .statusCode,
    ).toBe(404);
  });
});
