/**
 * The outbox and approval queue API over a real database, on every engine: the CLI's item
 * shape, paging, approve / bulk approve / reject / edit as the caller, refusals as
 * problem+json (two-person rule, gate, version conflict, roles), organisation scoping.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import { saveFixture } from '../../../../test/support/report-fixture-db.js';
import { outboxItemJson } from '../../../app/outbox-view.js';
import type { Principal } from '../../../app/ports/auth.js';
import { fixedClock } from '../../../app/ports/clock.js';
import type { User } from '../../../app/ports/users.js';
import type { GateResult } from '../../../domain/gates/gate.js';
import { newItem, T0 } from '../../../outbox/testing.js';
import { storesFor } from '../../../main.js';
import { ensureOrganisation } from '../../../storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../../../storage/repos/outbox-repo.js';
import { createUsersRepo } from '../../../storage/repos/users-repo.js';
import { buildApp } from '../../app.js';
import { fakeAuth, fakeDeps } from '../../testing.js';
import { API_V1_ROUTES } from './index.js';
import { provideQueueApi } from './queue.js';

const principal = (u: User): Principal => ({
  userId: u.id,
  email: u.email,
  role: u.role,
  orgId: u.orgId,
  via: 'api_token',
});

const GATED = 'S1:1:auction:sale';

let n = 0;

async function setUp(db: Parameters<typeof saveFixture>[0]) {
  // The database is shared by a dialect's tests: one pair of organisations each.
  const acme = `q-acme-${++n}`;
  const other = `q-other-${n}`;
  await saveFixture(db, acme);
  await ensureOrganisation(db, { id: other, name: 'Other', at: '2026-10-01T00:00:00.000Z' });
  const clock = fixedClock(T0);
  const users = createUsersRepo(db, clock);
  const outbox = createOutboxRepo(db, clock);
  const add = async (org: string, email: string, role: string) =>
    (await users.addUser(org, email, role)).user;
  const admin = await add(acme, 'admin@acme.example', 'admin');
  const ann = await add(acme, 'ann@acme.example', 'manager');
  const bob = await add(acme, 'bob@acme.example', 'collections');
  const aud = await add(acme, 'aud@acme.example', 'auditor');
  const eve = await add(other, 'eve@other.example', 'admin');
  await db.transaction((trx) =>
    outbox.insertItems(
      trx,
      acme,
      [
        newItem('L1:1:reminder:sms/T1/sms', {
          payload: { template: 'reminder', subject: 'Rent', body: 'Hi Ana, rent is late.' },
        }),
        newItem('L2:1:reminder:sms/T2/sms', {
          leaseId: 'L2',
          contactId: 'T2',
          approvalsRequired: 2,
        }),
        newItem('L4:1:late-fee:fee', { leaseId: 'L4', stage: 'late-fee', type: 'fee' }),
        newItem(GATED, { leaseId: 'S1', stage: 'auction', type: 'auction', contactId: null }),
      ],
      'system:scan',
    ),
  );
  const gate = async (_org: string, key: string): Promise<GateResult | null> =>
    key === GATED
      ? { kind: 'auction', key, ok: false, items: [], missing: ['The lien notice has no proof.'] }
      : null;
  const app = await buildApp({
    ...fakeDeps().deps,
    clock,
    auth: fakeAuth({
      admin: principal(admin),
      ann: principal(ann),
      bob: principal(bob),
      aud: principal(aud),
      eve: principal(eve),
    }),
    apiRoutes: [
      provideQueueApi({ outbox, users, clock, gate, portfolio: storesFor(db).portfolio }),
      ...API_V1_ROUTES,
    ],
  });
  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: object) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
  return { app, outbox, call, acme };
}

const enc = encodeURIComponent;

forEachDialect('queue API', (h) => {
  it('lists the outbox in the CLI shape, a page at a time, filtered', async () => {
    const db = await h.openMigrated();
    const { app, outbox, call, acme } = await setUp(db);
    const all = (await outbox.list(acme, { limit: 1000 })).items.map(outboxItemJson);
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const r = await call(
        'GET',
        `/api/v1/outbox?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        'aud',
      );
      expect(r.statusCode).toBe(200);
      const body = r.json() as { items: unknown[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(JSON.parse(JSON.stringify(all)));

    const drafts = await call('GET', '/api/v1/outbox?status=draft,approved&leaseId=L1', 'ann');
    const items = drafts.json().items as { leaseId: string; status: string }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.leaseId === 'L1' && ['draft', 'approved'].includes(i.status))).toBe(
      true,
    );
    const bad = await call('GET', '/api/v1/outbox?status=nope', 'ann');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect((await call('GET', '/api/v1/outbox?cursor=xyz', 'ann')).statusCode).toBe(400);

    // Another organisation sees none of it.
    expect((await call('GET', '/api/v1/outbox', 'eve')).json()).toEqual({
      items: [],
      nextCursor: null,
    });
    await app.close();
  });

  it('shows the queue with text, amounts and names; approves, rejects and edits as the caller', async () => {
    const db = await h.openMigrated();
    const { app, outbox, call, acme } = await setUp(db);
    const q = await call('GET', '/api/v1/queue', 'ann');
    expect(q.statusCode).toBe(200);
    const queue = q.json().items as Record<string, unknown>[];
    const l1 = queue.find((i) => i.key === 'L1:1:reminder:sms/T1/sms')!;
    expect(l1).toMatchObject({
      status: 'draft',
      version: 1,
      required: 1,
      needs: 1,
      approvals: [],
      subject: 'Rent',
      body: 'Hi Ana, rent is late.',
      pastDueCents: 150000,
      propertyId: 'P1',
      lease: { id: 'L1', unit: '12B' },
      tenant: { id: 'T1', name: 'Ana Ruiz' },
      property: { id: 'P1' },
    });
    const byProperty = await call('GET', '/api/v1/queue?propertyId=P2', 'ann');
    expect(
      (byProperty.json().items as { propertyId: string }[]).every((i) => i.propertyId === 'P2'),
    ).toBe(true);

    // Another organisation neither sees nor approves it, even knowing the key.
    expect((await call('GET', '/api/v1/queue', 'eve')).json()).toEqual({ items: [] });
    const guess = await call(
      'POST',
      `/api/v1/queue/${enc('L1:1:reminder:sms/T1/sms')}/approve`,
      'eve',
    );
    expect(guess.statusCode).toBe(404);
    expect(guess.headers['content-type']).toContain('application/problem+json');
    expect(
      (await call('POST', '/api/v1/queue/approve', 'eve', { keys: ['L1:1:reminder:sms/T1/sms'] }))
        .statusCode,
    ).toBe(400);
    expect((await outbox.get(acme, 'L1:1:reminder:sms/T1/sms'))!.status).toBe('draft');

    // Read-only roles may not decide.
    const auditor = await call(
      'POST',
      `/api/v1/queue/${enc('L1:1:reminder:sms/T1/sms')}/approve`,
      'aud',
    );
    expect(auditor.statusCode).toBe(403);

    // An edit is a new version; an approval of the version read before is a conflict.
    const edit = await call('PATCH', `/api/v1/queue/${enc('L1:1:reminder:sms/T1/sms')}`, 'bob', {
      body: 'Hi Ana, your rent is late.',
      version: 1,
    });
    expect(edit.statusCode).toBe(200);
    expect(edit.json()).toMatchObject({
      changed: true,
      version: 2,
      body: 'Hi Ana, your rent is late.',
    });
    const stale = await call('PATCH', `/api/v1/queue/${enc('L1:1:reminder:sms/T1/sms')}`, 'bob', {
      body: 'x',
      version: 1,
    });
    expect(stale.statusCode).toBe(409);
    const old = await call(
      'POST',
      `/api/v1/queue/${enc('L1:1:reminder:sms/T1/sms')}/approve`,
      'ann',
      {
        version: 1,
      },
    );
    expect(old.statusCode).toBe(409);
    expect(old.json().detail).toContain('version 2 is current');
    const ok = await call(
      'POST',
      `/api/v1/queue/${enc('L1:1:reminder:sms/T1/sms')}/approve`,
      'ann',
      {
        version: 2,
      },
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      user: { email: 'ann@acme.example', role: 'manager' },
      approved: [{ key: 'L1:1:reminder:sms/T1/sms', version: 2, approvals: 1, required: 1 }],
    });
    expect((await outbox.get(acme, 'L1:1:reminder:sms/T1/sms'))!.status).toBe('approved');

    // Two-person rule: the same user twice is refused, a second user completes it.
    const k2 = enc('L2:1:reminder:sms/T2/sms');
    expect((await call('POST', `/api/v1/queue/${k2}/approve`, 'ann')).json().pending).toHaveLength(
      1,
    );
    const twice = await call('POST', `/api/v1/queue/${k2}/approve`, 'ann');
    expect(twice.statusCode).toBe(409);
    expect(twice.headers['content-type']).toContain('application/problem+json');
    expect((await call('POST', `/api/v1/queue/${k2}/approve`, 'bob')).json().approved).toHaveLength(
      1,
    );

    // The gate refuses, naming what is missing.
    const gated = await call('POST', `/api/v1/queue/${enc(GATED)}/approve`, 'admin');
    expect(gated.statusCode).toBe(409);
    expect(gated.json().detail).toContain('The lien notice has no proof.');

    // Reject needs a reason; then the item is rejected.
    const noReason = await call(
      'POST',
      `/api/v1/queue/${enc('L4:1:late-fee:fee')}/reject`,
      'bob',
      {},
    );
    expect(noReason.statusCode).toBe(400);
    const rejected = await call('POST', `/api/v1/queue/${enc('L4:1:late-fee:fee')}/reject`, 'bob', {
      reason: 'fee waived by phone',
    });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ status: 'rejected', reason: 'fee waived by phone' });
    await app.close();
  });

  it('approves in bulk, by stage, reporting each refusal without stopping the others', async () => {
    const db = await h.openMigrated();
    const { app, outbox, call, acme } = await setUp(db);
    const bulk = await call('POST', '/api/v1/queue/approve', 'ann', {});
    expect(bulk.statusCode).toBe(200);
    const body = bulk.json();
    expect(body.approved.map((a: { key: string }) => a.key)).toEqual(
      expect.arrayContaining(['L1:1:reminder:sms/T1/sms', 'L4:1:late-fee:fee']),
    );
    expect(body.pending.map((a: { key: string }) => a.key)).toEqual(['L2:1:reminder:sms/T2/sms']);
    expect(body.refused.map((a: { key: string }) => a.key)).toContain(GATED);
    // Asked again, ann's pending approval waits for someone else.
    const again = await call('POST', '/api/v1/queue/approve', 'ann', { stage: 'late-notice' });
    expect(again.json().waiting).toEqual([{ key: 'L2:1:reminder:sms/T2/sms', version: 1 }]);
    const byKeys = await call('POST', '/api/v1/queue/approve', 'bob', {
      keys: ['L2:1:reminder:sms/T2/sms'],
    });
    expect(byKeys.json().approved).toHaveLength(1);
    expect((await outbox.get(acme, 'L2:1:reminder:sms/T2/sms'))!.status).toBe('approved');
    const both = await call('POST', '/api/v1/queue/approve', 'bob', { keys: ['x'], stage: 's' });
    expect(both.statusCode).toBe(400);
    await app.close();
  });
});
