/**
 * The outbox repository on SQLite and PostgreSQL: idempotent inserts, the transition table
 * enforced in storage, concurrent writers, claiming with SKIP LOCKED, expired claims.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { fixedClock } from '../app/ports/clock.js';
import type { OutboxItem } from '../app/ports/outbox.js';
import { OutboxConflictError, OutboxTransitionError } from '../domain/outbox/states.js';
import { iso, newItem, T0 } from '../outbox/testing.js';
import type { Db } from './database.js';
import { readChain, verifyAudit } from './repos/audit-repo.js';
import { ensureOrganisation } from './repos/organisations-repo.js';
import { createOutboxRepo } from './repos/outbox-repo.js';

let orgs = 0;
async function freshOrg(db: Db): Promise<string> {
  const id = `org-${++orgs}`;
  await ensureOrganisation(db, { id, name: id, at: iso(T0 - 86_400_000) });
  return id;
}

async function rows(
  db: Db,
  orgId: string,
  table: 'outbox' | 'outbox_transitions' | 'outbox_versions',
) {
  return db.kysely
    .selectFrom(table)
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('key')
    .execute();
}

const MINUTE = 60_000;

// The tests of a suite share its database; each uses its own organisation.
forEachDialect('outbox repository', (h) => {
  it('inserting the same items twice queues each key once, with history and audit', async () => {
    const db = await h.openMigrated();
    const repo = createOutboxRepo(db, fixedClock(T0 - MINUTE));
    const org = await freshOrg(db);
    const items = [
      newItem('L1:1:late-notice:sms'),
      newItem('L1:1:late-notice:task', {
        type: 'task',
        channel: null,
        method: null,
        approvalsRequired: 0,
      }),
      newItem('L1:1:notice:doc/T1/certified_mail', { type: 'document', approvalsRequired: 2 }),
    ];
    const first = await db.transaction((trx) => repo.insertItems(trx, org, items, 'system:scan'));
    expect(first.sort()).toEqual(items.map((i) => i.key).sort());
    const again = await db.transaction((trx) =>
      repo.insertItems(trx, org, [...items, items[0]!], 'system:scan'),
    );
    expect(again).toEqual([]);

    const stored = await rows(db, org, 'outbox');
    expect(stored.map((r) => [r.key, r.status, r.approvals_required, r.version])).toEqual([
      ['L1:1:late-notice:sms', 'draft', 1, 1],
      ['L1:1:late-notice:task', 'approved', 0, 1],
      ['L1:1:notice:doc/T1/certified_mail', 'draft', 2, 1],
    ]);
    const item = (await repo.get(org, 'L1:1:late-notice:sms'))!;
    expect(item).toMatchObject({
      status: 'draft',
      pastDueCents: 150000,
      payload: { template: 'late-notice', pastDueCents: 150000 },
      dueAt: iso(T0),
      createdAt: iso(T0 - MINUTE),
      attempts: 0,
    });
    expect(
      (await rows(db, org, 'outbox_transitions')).map((t) => [t.seq, t.from_status, t.to_status]),
    ).toEqual([
      [1, null, 'draft'],
      [1, null, 'approved'],
      [1, null, 'draft'],
    ]);
    expect(await rows(db, org, 'outbox_versions')).toHaveLength(3);
    const audit = await readChain(db, org);
    expect(audit.map((e) => e.type)).toEqual([
      'outbox.planned',
      'outbox.planned',
      'outbox.planned',
    ]);
    expect(audit[0]).toMatchObject({
      actor: 'system:scan',
      subject: 'outbox:L1:1:late-notice:sms',
      data: { status: 'draft', pastDueCents: 150000, approvalsRequired: 1 },
    });
    // No message body in the audit log: only its hash.
    expect(JSON.stringify(audit)).not.toContain('your rent');
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('refuses bad items, secrets in the payload, and writes nothing', async () => {
    const db = await h.openMigrated();
    const repo = createOutboxRepo(db);
    const org = await freshOrg(db);
    const insert = (item: ReturnType<typeof newItem>) =>
      db.transaction((trx) => repo.insertItems(trx, org, [newItem('ok'), item], 'system:scan'));
    await expect(insert(newItem('k', { approvalsRequired: 3 as 2 }))).rejects.toThrow(
      'items[1].approvalsRequired: 0, 1 or 2',
    );
    await expect(insert(newItem('k', { dueAt: 'tomorrow' }))).rejects.toThrow('items[1].dueAt');
    await expect(
      insert(newItem('k', { payload: { auth: { apiKey: 'sk_live' } } })),
    ).rejects.toThrow('items[1].payload.auth.apiKey: looks like a credential');
    expect(await rows(db, org, 'outbox')).toEqual([]);
  });

  it('two concurrent scans queue each key once and never deadlock', async () => {
    const a = await h.openMigrated();
    const b = h.dialect === 'postgres' ? await h.open() : a;
    const org = await freshOrg(a);
    const keys = Array.from({ length: 30 }, (_, i) => `L${i}:1:late-notice:sms`);
    const scan = (db: Db, order: string[]) =>
      db.transaction((trx) =>
        createOutboxRepo(db).insertItems(
          trx,
          org,
          order.map((k) => newItem(k)),
          'system:scan',
        ),
      );
    const runs = await Promise.all([
      scan(a, keys),
      scan(b, [...keys].reverse()),
      scan(a, keys.slice(10)),
      scan(b, keys.slice(0, 20).reverse()),
    ]);
    expect(runs.flat().sort()).toEqual([...keys].sort());
    expect(await rows(a, org, 'outbox')).toHaveLength(30);
    expect(await rows(a, org, 'outbox_transitions')).toHaveLength(30);
    expect((await readChain(a, org)).length).toBe(30);
  });

  it('enforces the transition table; history and audit follow each change', async () => {
    const db = await h.openMigrated();
    const repo = createOutboxRepo(db, fixedClock(T0));
    const org = await freshOrg(db);
    await db.transaction((trx) => repo.insertItems(trx, org, [newItem('K')], 'system:scan'));
    const move = (to: OutboxItem['status'], actor: string, reason?: string) =>
      db.transaction((trx) =>
        repo.transition(trx, org, 'K', to, { actor, reason: reason ?? null }),
      );

    await expect(move('sent', 'worker:w1')).rejects.toThrow(OutboxTransitionError);
    await expect(move('approved', 'worker:w1')).rejects.toThrow(
      'cannot go from draft to approved by a worker',
    );
    await expect(move('approved', 'system:scan')).rejects.toThrow(OutboxTransitionError);
    expect((await repo.get(org, 'K'))!.status).toBe('draft');

    expect(await move('approved', 'user:u1')).toMatchObject({ status: 'approved', reason: null });
    await expect(move('approved', 'user:u1')).rejects.toThrow(
      'cannot go from approved to approved',
    );
    expect(await move('draft', 'system:scan', 'balance_changed')).toMatchObject({
      status: 'draft',
      reason: 'balance_changed',
    });
    expect(await move('cancelled', 'system:scan', 'paid')).toMatchObject({ status: 'cancelled' });
    await expect(move('approved', 'user:u1')).rejects.toThrow(
      'from cancelled it can go to nothing (final)',
    );
    await expect(
      db.transaction((trx) => repo.transition(trx, org, 'nope', 'approved', { actor: 'user:u1' })),
    ).rejects.toThrow('no outbox item nope');

    const history = await rows(db, org, 'outbox_transitions');
    expect(history.map((t) => [t.seq, t.from_status, t.to_status, t.actor, t.reason])).toEqual([
      [1, null, 'draft', 'system:scan', null],
      [2, 'draft', 'approved', 'user:u1', null],
      [3, 'approved', 'draft', 'system:scan', 'balance_changed'],
      [4, 'draft', 'cancelled', 'system:scan', 'paid'],
    ]);
    const audit = await readChain(db, org);
    expect(audit.map((e) => e.type)).toEqual([
      'outbox.planned',
      'outbox.approved',
      'outbox.draft',
      'outbox.cancelled',
    ]);
    expect(audit[3]).toMatchObject({ data: { from: 'draft', to: 'cancelled', reason: 'paid' } });
  });

  it('of two concurrent transitions of one item only one succeeds', async () => {
    const a = await h.openMigrated();
    const b = h.dialect === 'postgres' ? await h.open() : a;
    const org = await freshOrg(a);
    const keys = Array.from({ length: 10 }, (_, i) => `K${i}`);
    await a.transaction((trx) =>
      createOutboxRepo(a).insertItems(
        trx,
        org,
        keys.map((k) => newItem(k, { approvalsRequired: 0 })),
        'system:scan',
      ),
    );
    for (const key of keys) {
      // Both read `approved`, both try to move it: a scan cancels, staff reject.
      const results = await Promise.allSettled([
        a.transaction(async (trx) => {
          const r = await createOutboxRepo(a).transition(trx, org, key, 'cancelled', {
            actor: 'system:scan',
            reason: 'paid',
          });
          return r.status;
        }),
        b.transaction(async (trx) => {
          const r = await createOutboxRepo(b).transition(trx, org, key, 'rejected', {
            actor: 'user:u1',
            reason: 'no',
          });
          return r.status;
        }),
      ]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      expect(ok).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected')!;
      expect(failed.reason).toSatisfy(
        (e: unknown) => e instanceof OutboxConflictError || e instanceof OutboxTransitionError,
      );
      const history = await a.kysely
        .selectFrom('outbox_transitions')
        .select('seq')
        .where('org_id', '=', org)
        .where('key', '=', key)
        .execute();
      expect(history).toHaveLength(2);
    }
  });

  it('claims approved items that are due, oldest first, and marks them dispatching', async () => {
    const db = await h.openMigrated();
    const repo = createOutboxRepo(db, fixedClock(T0));
    const org = await freshOrg(db);
    await db.transaction((trx) =>
      repo.insertItems(
        trx,
        org,
        [
          newItem('due-2', { approvalsRequired: 0, dueAt: iso(T0 - MINUTE) }),
          newItem('due-1', { approvalsRequired: 0, dueAt: iso(T0 - 2 * MINUTE) }),
          newItem('later', { approvalsRequired: 0, dueAt: iso(T0 + MINUTE) }),
          newItem('draft', { approvalsRequired: 1, dueAt: iso(T0 - MINUTE) }),
        ],
        'system:scan',
      ),
    );
    const claim = await repo.claimDue(org, 'w1', iso(T0), 10, 10 * MINUTE);
    expect(claim.claimed.map((c) => c.key)).toEqual(['due-1', 'due-2']);
    expect(claim.claimed[0]).toMatchObject({
      status: 'dispatching',
      claimedBy: 'w1',
      claimExpiresAt: iso(T0 + 10 * MINUTE),
      attempts: 1,
      provider: null,
    });
    expect((await repo.claimDue(org, 'w2', iso(T0), 10, 30_000)).claimed).toEqual([]);
    expect(
      (await repo.claimDue(org, 'w2', iso(T0 + MINUTE), 10, 30_000)).claimed.map((c) => c.key),
    ).toEqual(['later']);
    // Another organisation's claimer sees nothing of this one.
    const other = await freshOrg(db);
    expect((await repo.claimDue(other, 'w3', iso(T0 + 10 * MINUTE), 10, 1000)).claimed).toEqual([]);
    const audit = await readChain(db, org);
    expect(audit.filter((e) => e.type === 'outbox.dispatching')).toHaveLength(3);
  });

  it('concurrent claimers get disjoint items (FOR UPDATE SKIP LOCKED on PostgreSQL)', async () => {
    const first = await h.openMigrated();
    const handles = h.dialect === 'postgres' ? [first, await h.open(), await h.open()] : [first];
    const org = await freshOrg(first);
    const keys = Array.from({ length: 60 }, (_, i) => `K${String(i).padStart(2, '0')}`);
    await first.transaction((trx) =>
      createOutboxRepo(first).insertItems(
        trx,
        org,
        keys.map((k) => newItem(k, { approvalsRequired: 0 })),
        'system:scan',
      ),
    );
    const claimers = Array.from({ length: 6 }, (_, i) => {
      const db = handles[i % handles.length]!;
      return createOutboxRepo(db).claimDue(org, `w${i}`, iso(T0), 8, 30_000);
    });
    const results = await Promise.all(claimers);
    const claimed = results.flatMap((r) => r.claimed.map((c) => c.key));
    expect(new Set(claimed).size).toBe(claimed.length); // disjoint
    expect(claimed.length).toBe(48); // SKIP LOCKED skips, it does not stop early
    const stored = await rows(first, org, 'outbox');
    const byWorker = new Map(stored.map((r) => [r.key, r.claimed_by]));
    for (const [i, r] of results.entries())
      for (const c of r.claimed) expect(byWorker.get(c.key)).toBe(`w${i}`);
    expect(stored.filter((r) => r.status === 'dispatching')).toHaveLength(48);
    expect((await verifyAudit(first)).ok).toBe(true);
  });

  it('an expired claim: not started → back to dispatch; started → again if idempotent, else unknown', async () => {
    const db = await h.openMigrated();
    const repo = createOutboxRepo(db, fixedClock(T0));
    const org = await freshOrg(db);
    const keys = ['not-started', 'started-idem', 'started-smtp', 'still-claimed'];
    await db.transaction((trx) =>
      repo.insertItems(
        trx,
        org,
        keys.map((k) =>
          newItem(k, { approvalsRequired: 0, channel: k.includes('smtp') ? 'email' : 'sms' }),
        ),
        'system:scan',
      ),
    );
    // A worker claims everything, starts two sends and dies.
    expect((await repo.claimDue(org, 'dead', iso(T0), 3, 10_000)).claimed).toHaveLength(3);
    expect(await repo.beginSend(org, 'started-idem', 'dead', 'twilio', iso(T0), 10_000)).toBe(true);
    expect(await repo.beginSend(org, 'started-smtp', 'dead', 'smtp', iso(T0), 10_000)).toBe(true);
    expect(await repo.beginSend(org, 'started-smtp', 'other', 'smtp', iso(T0), 10_000)).toBe(false);
    // A live worker holds the fourth, with a longer claim.
    expect(
      (await repo.claimDue(org, 'alive', iso(T0), 5, 60_000)).claimed.map((c) => c.key),
    ).toEqual(['still-claimed']);

    const later = iso(T0 + 20_000);
    const claim = await repo.claimDue(org, 'w2', later, 10, 10_000, {
      idempotent: (item) => item.provider === 'twilio',
    });
    expect(claim.lost).toEqual(['started-smtp']);
    expect(claim.reclaimed.sort()).toEqual(['not-started', 'started-idem']);
    expect(claim.claimed.map((c) => [c.key, c.claimedBy, c.attempts, c.provider]).sort()).toEqual([
      ['not-started', 'w2', 1, null], // the dead worker's attempt never reached a provider
      ['started-idem', 'w2', 2, null],
    ]);
    const smtp = (await repo.get(org, 'started-smtp'))!;
    expect(smtp).toMatchObject({
      status: 'unknown',
      reason: 'outcome_lost',
      claimedBy: null,
      provider: 'smtp',
    });
    expect((await repo.get(org, 'still-claimed'))!.claimedBy).toBe('alive');

    const history = await db.kysely
      .selectFrom('outbox_transitions')
      .select(['key', 'from_status', 'to_status', 'actor', 'reason'])
      .where('org_id', '=', org)
      .where('key', 'in', ['started-idem', 'started-smtp'])
      .orderBy('key')
      .orderBy('seq')
      .execute();
    expect(
      history.map((t) =>
        `${t.key} ${t.from_status}→${t.to_status} ${t.actor} ${t.reason ?? ''}`.trim(),
      ),
    ).toEqual([
      'started-idem null→approved system:scan',
      'started-idem approved→dispatching worker:dead',
      'started-idem dispatching→approved system:claim-expired lease_expired',
      'started-idem approved→dispatching worker:w2',
      'started-smtp null→approved system:scan',
      'started-smtp approved→dispatching worker:dead',
      'started-smtp dispatching→unknown system:claim-expired outcome_lost',
    ]);
    // The dead worker's late answer cannot overwrite the new claim.
    await expect(
      db.transaction((trx) =>
        repo.transition(trx, org, 'started-idem', 'sent', {
          actor: 'worker:dead',
          claimedBy: 'dead',
        }),
      ),
    ).rejects.toThrow(OutboxConflictError);
  });

  it('releases a worker’s unstarted claims', async () => {
    const db = await h.openMigrated();
    const repo = createOutboxRepo(db, fixedClock(T0));
    const org = await freshOrg(db);
    await db.transaction((trx) =>
      repo.insertItems(
        trx,
        org,
        ['a', 'b', 'c'].map((k) => newItem(k, { approvalsRequired: 0 })),
        'system:scan',
      ),
    );
    await repo.claimDue(org, 'rel-w1', iso(T0), 10, 60_000);
    await repo.beginSend(org, 'a', 'rel-w1', 'sandbox', iso(T0), 60_000);
    expect((await repo.releaseClaims('rel-w1', [{ orgId: org, key: 'b' }])).sort()).toEqual(['b']);
    expect((await repo.releaseClaims('rel-w1')).sort()).toEqual(['c']);
    const items = (await repo.list(org)).items;
    expect(items.map((i) => [i.key, i.status, i.reason, i.attempts])).toEqual([
      ['a', 'dispatching', null, 1],
      ['b', 'approved', 'released', 0],
      ['c', 'approved', 'released', 0],
    ]);
  });

  it('lists a page at a time with filters; creates a task once', async () => {
    const db = await h.openMigrated();
    const clock = fixedClock(T0);
    const repo = createOutboxRepo(db, clock);
    const org = await freshOrg(db);
    for (let i = 0; i < 5; i++) {
      clock.set(T0 + i * 1000);
      await db.transaction((trx) =>
        repo.insertItems(
          trx,
          org,
          [
            newItem(`L${i % 2}:1:s:a${i}`, {
              leaseId: `L${i % 2}`,
              approvalsRequired: i % 2 === 0 ? 0 : 1,
            }),
          ],
          'system:scan',
        ),
      );
    }
    const p1 = await repo.list(org, { limit: 2 });
    expect(p1.items.map((i) => i.key)).toEqual(['L0:1:s:a0', 'L1:1:s:a1']);
    const p2 = await repo.list(org, { limit: 2, cursor: p1.nextCursor! });
    const p3 = await repo.list(org, { limit: 2, cursor: p2.nextCursor! });
    expect([...p2.items, ...p3.items].map((i) => i.key)).toEqual([
      'L0:1:s:a2',
      'L1:1:s:a3',
      'L0:1:s:a4',
    ]);
    expect(p3.nextCursor).toBeUndefined();
    expect((await repo.list(org, { leaseId: 'L1' })).items).toHaveLength(2);
    expect((await repo.list(org, { status: 'approved' })).items).toHaveLength(3);
    expect(
      (await repo.list(org, { status: ['draft', 'approved'], leaseId: 'L0' })).items,
    ).toHaveLength(3);
    await expect(repo.list(org, { cursor: 'garbage' })).rejects.toThrow('not an outbox cursor');

    const task = {
      id: 'L0:1:s:a0',
      leaseId: 'L0',
      episode: 1,
      outboxKey: 'L0:1:s:a0',
      title: 'Call Ana',
      category: 'collection_call',
      assignee: 'role:collections',
      dueDate: '2026-10-08',
      data: { title: 'Call Ana' },
      at: iso(T0),
    };
    expect(await db.transaction((trx) => repo.createTask(trx, org, task))).toBe(true);
    expect(await db.transaction((trx) => repo.createTask(trx, org, task))).toBe(false);
  });
});
