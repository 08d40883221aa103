/**
 * Approving, rejecting and editing drafts (SPEC R13) through the use cases, on SQLite and
 * PostgreSQL: two-person approval needs two different users, an edit is a new version that
 * resets approvals, read-only roles may not decide.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { approveActions, type ApprovalDeps } from '../app/approve-action.js';
import { fixedClock } from '../app/ports/clock.js';
import type { User } from '../app/ports/users.js';
import { editDraft } from '../app/edit-draft.js';
import { rejectAction } from '../app/reject-action.js';
import { InputError } from '../domain/errors.js';
import { iso, newItem, T0 } from '../outbox/testing.js';
import type { Db, DbTransaction } from './database.js';
import { readChain, verifyAudit } from './repos/audit-repo.js';
import { ensureOrganisation } from './repos/organisations-repo.js';
import { createOutboxRepo } from './repos/outbox-repo.js';
import { createUsersRepo } from './repos/users-repo.js';

let n = 0;
async function setUp(db: Db) {
  const org = `ap-${++n}`;
  await ensureOrganisation(db, { id: org, name: org, at: iso(T0) });
  const clock = fixedClock(T0);
  const deps: ApprovalDeps<DbTransaction> = {
    outbox: createOutboxRepo(db, clock),
    users: createUsersRepo(db, clock),
    clock,
  };
  const add = async (email: string, role: string) =>
    (await deps.users.addUser(org, email, role)).user;
  const users = {
    admin: await add('admin@x.com', 'admin'),
    ann: await add('ann@x.com', 'manager'),
    bob: await add('bob@x.com', 'collections'),
    aud: await add('aud@x.com', 'auditor'),
    own: await add('own@x.com', 'owner'),
  };
  const queue = (items: ReturnType<typeof newItem>[]) =>
    db.transaction((trx) => deps.outbox.insertItems(trx, org, items, 'system:scan'));
  const approve = (user: User, keys: string[]) => approveActions(deps, org, user, { keys });
  return { org, deps, users, queue, approve, clock };
}

forEachDialect('approvals', (h) => {
  it('one approval approves a one-person draft', async () => {
    const db = await h.openMigrated();
    const { org, deps, users, queue, approve } = await setUp(db);
    await queue([newItem('K1')]);
    const r = await approve(users.ann, ['K1']);
    expect(r).toEqual({
      approved: [{ key: 'K1', version: 1, approvals: 1, required: 1 }],
      pending: [],
      waiting: [],
      refused: [],
    });
    expect((await deps.outbox.get(org, 'K1'))!.status).toBe('approved');
    const again = await approve(users.bob, ['K1']);
    expect(again.refused).toEqual([
      { key: 'K1', code: 'conflict', message: 'K1 is already approved' },
    ]);
    const audit = (await readChain(db, org)).filter((e) => e.subject === 'outbox:K1');
    expect(audit.map((e) => [e.type, e.actor])).toEqual([
      ['outbox.planned', 'system:scan'],
      ['outbox.approval', `user:${users.ann.id}`],
      ['outbox.approved', `user:${users.ann.id}`],
    ]);
  });

  it('two-person: the same user twice is refused, a second user completes it', async () => {
    const db = await h.openMigrated();
    const { org, deps, users, queue, approve } = await setUp(db);
    await queue([newItem('K2', { approvalsRequired: 2 })]);
    expect((await approve(users.ann, ['K2'])).pending).toEqual([
      { key: 'K2', version: 1, approvals: 1, required: 2 },
    ]);
    const twice = await approve(users.ann, ['K2']);
    expect(twice.refused).toEqual([
      {
        key: 'K2',
        code: 'conflict',
        message:
          'ann@x.com already approved version 1 of K2; it needs 2 approvals by different users: ask another approver',
      },
    ]);
    const [entry] = await deps.outbox.queue(org);
    expect(entry).toMatchObject({
      required: 2,
      needs: 1,
      approvals: [{ userId: users.ann.id, email: 'ann@x.com' }],
    });
    expect((await deps.outbox.get(org, 'K2'))!.status).toBe('draft');
    expect((await approve(users.bob, ['K2'])).approved).toEqual([
      { key: 'K2', version: 1, approvals: 2, required: 2 },
    ]);
    expect((await deps.outbox.get(org, 'K2'))!.status).toBe('approved');
    expect(await deps.outbox.queue(org)).toEqual([]);
  });

  it('auditors and owners may not approve, reject or edit; nothing is written', async () => {
    const db = await h.openMigrated();
    const { org, deps, users, queue, approve } = await setUp(db);
    await queue([newItem('K3')]);
    const before = (await readChain(db, org)).length;
    await expect(approve(users.aud, ['K3'])).rejects.toThrow(
      'aud@x.com is an auditor, who may not approve outbox items',
    );
    await expect(approveActions(deps, org, users.own, { all: true })).rejects.toThrow(
      'own@x.com is an owner, who may not approve',
    );
    await expect(rejectAction(deps, org, users.aud, 'K3', 'no')).rejects.toThrow('may not reject');
    await expect(editDraft(deps, org, users.own, 'K3', { body: 'x' })).rejects.toThrow(
      'may not edit',
    );
    expect((await readChain(db, org)).length).toBe(before);
    expect((await deps.outbox.get(org, 'K3'))!.status).toBe('draft');
  });

  it('unknown keys are invalid input and nothing is approved', async () => {
    const db = await h.openMigrated();
    const { org, deps, users, queue, approve } = await setUp(db);
    await queue([newItem('K4')]);
    const e = await approve(users.ann, ['K4', 'nope', 'nada']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).issues.map((i) => i.path)).toEqual(['nope', 'nada']);
    expect((await deps.outbox.get(org, 'K4'))!.status).toBe('draft');
  });

  it('an edit is a new version: approvals reset, the diff is stored, the audit shows no body', async () => {
    const db = await h.openMigrated();
    const { org, deps, users, queue, approve } = await setUp(db);
    await queue([newItem('K5', { approvalsRequired: 2 }), newItem('K6')]);
    await approve(users.ann, ['K5']);
    const edited = await editDraft(deps, org, users.bob, 'K5', {
      body: 'Hi Ana, a reminder that $1,500.00 is past due.',
    });
    expect(edited).toMatchObject({
      ok: true,
      changed: true,
      version: 2,
      item: { status: 'draft', version: 2 },
    });
    // Ann's approval was for version 1: she may approve version 2, and it still needs two.
    const [entry] = await deps.outbox.queue(org, { keys: ['K5'] });
    expect(entry).toMatchObject({ needs: 2, approvals: [] });
    expect((await approve(users.ann, ['K5'])).pending).toEqual([
      { key: 'K5', version: 2, approvals: 1, required: 2 },
    ]);
    // Approving the version one has seen: a stale version is refused.
    const stale = await approveActions(deps, org, users.bob, { keys: ['K5'], version: 1 });
    expect(stale.refused[0]!.message).toContain('version 2 is current, not 1');
    expect((await approve(users.bob, ['K5'])).approved).toHaveLength(1);

    const versions = await db.kysely
      .selectFrom('outbox_versions')
      .selectAll()
      .where('org_id', '=', org)
      .where('key', '=', 'K5')
      .orderBy('version')
      .execute();
    expect(versions.map((v) => [v.version, v.by])).toEqual([
      [1, 'system:scan'],
      [2, `user:${users.bob.id}`],
    ]);
    expect(JSON.parse(versions[1]!.diff!)).toEqual([
      {
        path: '$.body',
        before: 'Hi Ana, your rent of $1,500.00 is late.',
        after: 'Hi Ana, a reminder that $1,500.00 is past due.',
      },
    ]);
    expect(JSON.parse(versions[1]!.content)).toMatchObject({
      body: 'Hi Ana, a reminder that $1,500.00 is past due.',
    });
    const edit = (await readChain(db, org)).find((e) => e.type === 'outbox.edited')!;
    expect(edit).toMatchObject({
      actor: `user:${users.bob.id}`,
      data: { key: 'K5', version: 2, previousVersion: 1 },
    });
    expect(JSON.stringify(edit.data)).not.toContain('reminder');
    expect(JSON.stringify(edit.data)).toContain('sha256');

    // Editing an approved item sends it back to review; an edit changing nothing is a no-op.
    await approve(users.ann, ['K6']);
    expect(await editDraft(deps, org, users.ann, 'K6', { template: 'late-notice' })).toMatchObject({
      ok: true,
      changed: false,
      version: 1,
    });
    expect(await editDraft(deps, org, users.ann, 'K6', { body: 'new' })).toMatchObject({
      ok: true,
      item: { status: 'draft', reason: 'edited', version: 2 },
    });
    expect(await editDraft(deps, org, users.ann, 'K6', { pastDueCents: 1 })).toMatchObject({
      ok: false,
      code: 'invalid_input',
    });
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('reject needs a reason; the item is rejected and never dispatched', async () => {
    const db = await h.openMigrated();
    const { org, deps, users, queue, approve } = await setUp(db);
    await queue([newItem('K7'), newItem('K8', { approvalsRequired: 0 })]);
    await expect(rejectAction(deps, org, users.ann, 'K7', '  ')).rejects.toThrow(InputError);
    const r = await rejectAction(deps, org, users.ann, 'K7', 'wrong tenant');
    expect(r).toMatchObject({ ok: true, item: { status: 'rejected', reason: 'wrong tenant' } });
    expect(await rejectAction(deps, org, users.ann, 'K7', 'again')).toMatchObject({
      ok: false,
      code: 'conflict',
      message:
        'K7 is rejected; only a draft or an approved item not yet dispatched can be rejected',
    });
    expect(await rejectAction(deps, org, users.ann, 'nope', 'x')).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    expect((await approve(users.bob, ['K7'])).refused[0]!.message).toBe(
      'K7 is rejected, not a draft awaiting approval',
    );
    // An approved item not yet dispatched can be stopped.
    expect(await rejectAction(deps, org, users.bob, 'K8', 'tenant called')).toMatchObject({
      ok: true,
      item: { status: 'rejected' },
    });
    const decisions = await db.kysely
      .selectFrom('approvals')
      .selectAll()
      .where('org_id', '=', org)
      .execute();
    expect(decisions.map((d) => [d.key, d.decision, d.reason])).toEqual([
      ['K7', 'rejected', 'wrong tenant'],
      ['K8', 'rejected', 'tenant called'],
    ]);
    expect((await deps.outbox.claimDue(org, 'w', iso(T0 + 1000), 10, 1000)).claimed).toEqual([]);
  });

  it('bulk approval by stage and property; drafts the user already approved wait', async () => {
    const db = await h.openMigrated();
    const { org, deps, users, queue } = await setUp(db);
    const at = iso(T0);
    for (const p of ['P1', 'P2'])
      await db.kysely
        .insertInto('properties')
        .values({
          org_id: org,
          id: p,
          name: p,
          timezone: 'UTC',
          jurisdiction: 'US-CA',
          kind: 'residential',
          updated_at: at,
        })
        .execute();
    for (const [l, p] of [
      ['L1', 'P1'],
      ['L2', 'P2'],
    ] as const)
      await db.kysely
        .insertInto('leases')
        .values({ org_id: org, id: l, property_id: p, rent_cents: 150000, updated_at: at })
        .execute();
    await queue([
      newItem('L1:1:late-notice:sms', { leaseId: 'L1' }),
      newItem('L1:1:final:sms', { leaseId: 'L1', stage: 'final', approvalsRequired: 2 }),
      newItem('L2:1:late-notice:sms', { leaseId: 'L2' }),
      newItem('L2:1:final:sms', { leaseId: 'L2', stage: 'final' }),
    ]);
    const byStage = await approveActions(deps, org, users.ann, { stage: 'final' });
    expect(byStage.approved.map((a) => a.key)).toEqual(['L2:1:final:sms']);
    expect(byStage.pending.map((a) => a.key)).toEqual(['L1:1:final:sms']);
    const byProperty = await approveActions(deps, org, users.ann, { propertyId: 'P1' });
    expect(byProperty.approved.map((a) => a.key)).toEqual(['L1:1:late-notice:sms']);
    expect(byProperty.waiting).toEqual([{ key: 'L1:1:final:sms', version: 1 }]);
    expect(byProperty.refused).toEqual([]);
    const all = await approveActions(deps, org, users.bob, { all: true });
    expect(all.approved.map((a) => a.key).sort()).toEqual([
      'L1:1:final:sms',
      'L2:1:late-notice:sms',
    ]);
    expect(await deps.outbox.queue(org)).toEqual([]);
  });

  it('two approvers at once on a two-person draft: it ends approved with both approvals', async () => {
    const a = await h.openMigrated();
    const { org, users, queue } = await setUp(a);
    const b = h.dialect === 'postgres' ? await h.open() : a;
    const depsFor = (db: Db): ApprovalDeps<DbTransaction> => ({
      outbox: createOutboxRepo(db, fixedClock(T0)),
      users: createUsersRepo(db, fixedClock(T0)),
      clock: fixedClock(T0),
    });
    const keys = Array.from({ length: 8 }, (_, i) => `T${i}`);
    await queue(keys.map((k) => newItem(k, { approvalsRequired: 2 })));
    for (const key of keys) {
      const [x, y] = await Promise.all([
        approveActions(depsFor(a), org, users.ann, { keys: [key] }),
        approveActions(depsFor(b), org, users.bob, { keys: [key] }),
      ]);
      expect(x.approved.length + y.approved.length).toBe(1);
      expect(x.pending.length + y.pending.length).toBe(1);
      expect((await depsFor(a).outbox.get(org, key))!.status).toBe('approved');
    }
  });
});
