/**
 * Dispatch on SQLite and PostgreSQL: the re-check branches, each provider outcome tag,
 * tasks, retries and their limit, stopping mid-batch, and a late answer after a takeover.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import {
  dispatchOutbox,
  emptyCounts,
  type DispatchCounts,
  type DispatchDeps,
} from '../app/dispatch-outbox.js';
import { fixedClock } from '../app/ports/clock.js';
import type { NewOutboxItem, Recheck, Sender } from '../app/ports/outbox.js';
import { backoffMs, DEFAULT_RETRY_POLICY } from '../domain/outbox/outcomes.js';
import { senderRegistry } from '../outbox/senders.js';
import { iso, newItem, scriptedRecheck, scriptedSender, T0 } from '../outbox/testing.js';
import type { Db, DbTransaction } from './database.js';
import { readChain, verifyAudit } from './repos/audit-repo.js';
import { ensureOrganisation } from './repos/organisations-repo.js';
import { createOutboxRepo } from './repos/outbox-repo.js';

let n = 0;
async function setUp(
  db: Db,
  items: NewOutboxItem[],
  options: { recheck?: Recheck; sender?: Sender; routes?: Record<string, Sender> } = {},
) {
  const org = `d-${++n}`;
  await ensureOrganisation(db, { id: org, name: org, at: iso(T0) });
  const clock = fixedClock(T0);
  const outbox = createOutboxRepo(db, clock);
  await db.transaction((trx) => outbox.insertItems(trx, org, items, 'system:scan'));
  const sender = options.sender ?? scriptedSender();
  const deps: DispatchDeps<DbTransaction> = {
    outbox,
    recheck: options.recheck ?? scriptedRecheck(),
    senders: senderRegistry(options.routes ?? { '*': sender }),
    clock,
    workerId: `w-${n}`,
  };
  const pass = (over: Parameters<typeof dispatchOutbox>[1] = {}) =>
    dispatchOutbox(deps, { orgId: org, ...over });
  const get = async (key: string) => (await outbox.get(org, key))!;
  return { org, clock, outbox, deps, pass, get, sender };
}

const counts = (over: Partial<DispatchCounts>): DispatchCounts => ({ ...emptyCounts(), ...over });
const item = (key: string, over: Partial<NewOutboxItem> = {}) =>
  newItem(key, { approvalsRequired: 0, ...over });

forEachDialect('dispatch', (h) => {
  it('accepted → sent, with the provider and its id, once', async () => {
    const db = await h.openMigrated();
    const sender = scriptedSender({ id: 'twilio' });
    const { org, pass, get } = await setUp(db, [item('A')], { sender });
    expect(await pass()).toEqual(counts({ claimed: 1, sent: 1 }));
    expect(await get('A')).toMatchObject({
      status: 'sent',
      provider: 'twilio',
      providerId: 'ext-A',
      claimedBy: null,
      attempts: 1,
    });
    expect(await pass()).toEqual(emptyCounts());
    expect(sender.calls).toEqual(['A']);
    const audit = (await readChain(db, org)).map((e) => e.type);
    expect(audit).toEqual(['outbox.planned', 'outbox.dispatching', 'outbox.sent']);
  });

  it('each outcome tag drives the next status', async () => {
    const db = await h.openMigrated();
    const retryAt = iso(T0 + 90_000);
    const sender = scriptedSender({
      answer: (it) => {
        switch (it.key) {
          case 'retry-after':
            return { tag: 'retry_after', at: retryAt, reason: 'HTTP 429' };
          case 'retryable':
            return { tag: 'retryable', reason: 'HTTP 502' };
          case 'rejected':
            return { tag: 'rejected', code: '21211', reason: 'invalid To number' };
          case 'unknown':
            return { tag: 'unknown', reason: 'connection reset' };
          default:
            throw new Error(`unexpected ${it.key}`);
        }
      },
    });
    const { pass, get } = await setUp(
      db,
      ['retry-after', 'retryable', 'rejected', 'unknown'].map((k) => item(k)),
      { sender },
    );
    expect(await pass()).toEqual(counts({ claimed: 4, retried: 2, failed: 1, unknown: 1 }));
    expect(await get('retry-after')).toMatchObject({
      status: 'approved',
      reason: 'retry_after: HTTP 429',
      dueAt: retryAt,
      attempts: 1,
    });
    expect(await get('retryable')).toMatchObject({
      status: 'approved',
      reason: 'retryable: HTTP 502',
      dueAt: iso(T0 + backoffMs('retryable', 1, DEFAULT_RETRY_POLICY)),
    });
    expect(await get('rejected')).toMatchObject({
      status: 'failed',
      reason: 'rejected: 21211 invalid To number',
    });
    expect(await get('unknown')).toMatchObject({
      status: 'unknown',
      reason: 'outcome_lost: connection reset',
    });
    // Retried items are not claimed again in the same pass; failed and unknown never are.
    expect(sender.calls).toHaveLength(4);
  });

  it('retries until the provider accepts, then gives up after maxAttempts', async () => {
    const db = await h.openMigrated();
    const sender = scriptedSender({
      answer: (it, k) =>
        it.key === 'flaky' && k >= 3
          ? { tag: 'accepted', externalId: 'ok' }
          : { tag: 'retryable', reason: `try ${k}` },
    });
    const { clock, pass, get } = await setUp(db, [item('flaky'), item('down')], { sender });
    const retry = { ...DEFAULT_RETRY_POLICY, maxAttempts: 4 };
    for (let i = 0; i < 6; i++) {
      await pass({ retry });
      clock.advance(2 * 60 * 60_000);
    }
    expect(await get('flaky')).toMatchObject({ status: 'sent', attempts: 3 });
    expect(await get('down')).toMatchObject({
      status: 'failed',
      attempts: 4,
      reason: 'retries_exhausted: 4 attempts; last: try 4',
    });
    expect(sender.calls.filter((k) => k === 'down')).toHaveLength(4);
  });

  it('a sender that throws: retried when idempotent, unknown when not', async () => {
    const db = await h.openMigrated();
    const boom = () => {
      throw new Error('socket hang up');
    };
    const idem = scriptedSender({ id: 'api', idempotent: true, answer: boom });
    const smtp = scriptedSender({ id: 'smtp', idempotent: false, answer: boom });
    const { pass, get } = await setUp(
      db,
      [item('sms'), item('mail', { channel: 'email', method: 'email' })],
      {
        routes: { 'message:sms': idem, 'message:email': smtp },
      },
    );
    expect(await pass()).toEqual(counts({ claimed: 2, retried: 1, unknown: 1 }));
    expect(await get('sms')).toMatchObject({
      status: 'approved',
      reason: 'retryable: socket hang up',
    });
    expect(await get('mail')).toMatchObject({
      status: 'unknown',
      reason: 'outcome_lost: socket hang up',
    });
  });

  it('re-check: paid or closed → cancelled and nothing is sent', async () => {
    const db = await h.openMigrated();
    const recheck = scriptedRecheck({ paid: { cancel: 'paid' }, closed: { cancel: 'closed' } });
    const sender = scriptedSender();
    const { pass, get } = await setUp(db, [item('paid'), item('closed')], { recheck, sender });
    expect(await pass()).toEqual(counts({ claimed: 2, cancelled: 2 }));
    expect(await get('paid')).toMatchObject({ status: 'cancelled', reason: 'paid' });
    expect(await get('closed')).toMatchObject({ status: 'cancelled', reason: 'closed' });
    expect(sender.calls).toEqual([]);
  });

  it('re-check: a hold keeps it approved, not sent, not an attempt; it goes once released', async () => {
    const db = await h.openMigrated();
    let held = true;
    const recheck = scriptedRecheck({
      H: (it) => (held ? { wait: 'hold' } : { ok: true, pastDueCents: it.pastDueCents }),
      U: { wait: 'hold', until: iso(T0 + 3 * 86_400_000) },
    });
    const sender = scriptedSender();
    const { clock, pass, get } = await setUp(db, [item('H'), item('U')], { recheck, sender });
    expect(await pass({ holdRecheckMs: 600_000 })).toEqual(counts({ claimed: 2, held: 2 }));
    expect(await get('H')).toMatchObject({
      status: 'approved',
      reason: 'hold',
      dueAt: iso(T0 + 600_000),
      attempts: 0,
    });
    expect((await get('U')).dueAt).toBe(iso(T0 + 3 * 86_400_000));
    expect(sender.calls).toEqual([]);
    clock.advance(300_000);
    expect(await pass()).toEqual(emptyCounts()); // not due again yet
    clock.advance(300_000);
    held = false;
    expect(await pass()).toEqual(counts({ claimed: 1, sent: 1 }));
    expect(sender.calls).toEqual(['H']);
  });

  it('re-check: lost consent → skipped with its reason', async () => {
    const db = await h.openMigrated();
    const recheck = scriptedRecheck({ S: { skip: 'opted_out' } });
    const { pass, get, sender } = await setUp(db, [item('S')], { recheck });
    expect(await pass()).toEqual(counts({ claimed: 1, skipped: 1 }));
    expect(await get('S')).toMatchObject({ status: 'skipped', reason: 'opted_out' });
    expect((sender as ReturnType<typeof scriptedSender>).calls).toEqual([]);
  });

  it('re-check: a changed past-due amount sends it back to review as a new version', async () => {
    const db = await h.openMigrated();
    const recheck = scriptedRecheck({
      compared: { ok: true, pastDueCents: 70000 },
      told: { review: 'balance_changed', pastDueCents: 90000 },
      auto: { ok: true, pastDueCents: 1 }, // needed no approval: amount not compared
    });
    const { org, pass, get, outbox } = await setUp(
      db,
      [
        item('compared', { approvalsRequired: 1 }),
        item('told', { approvalsRequired: 2 }),
        item('auto'),
      ],
      { recheck },
    );
    // Approve the two drafts (as a user would), then dispatch.
    for (const k of ['compared', 'told'])
      await db.transaction((trx) =>
        outbox.transition(trx, org, k, 'approved', { actor: 'user:u1' }),
      );
    expect(await pass()).toEqual(counts({ claimed: 3, review: 2, sent: 1 }));
    expect(await get('compared')).toMatchObject({
      status: 'draft',
      reason: 'balance_changed',
      version: 2,
      pastDueCents: 70000,
      approvalsRequired: 1,
      attempts: 0,
    });
    expect(await get('told')).toMatchObject({
      status: 'draft',
      version: 2,
      pastDueCents: 90000,
      approvalsRequired: 2,
    });
    const queue = await outbox.queue(org);
    expect(queue.map((q) => [q.item.key, q.needs])).toEqual([
      ['compared', 1],
      ['told', 2],
    ]);
    const audit = (await readChain(db, org)).filter((e) => e.subject === 'outbox:compared');
    expect(audit.map((e) => e.type)).toEqual([
      'outbox.planned',
      'outbox.approved',
      'outbox.dispatching',
      'outbox.edited',
      'outbox.draft',
    ]);
    expect(audit[4]!.data).toMatchObject({ pastDueCentsBefore: 150000, pastDueCentsNow: 70000 });
  });

  it('review of an item that needed no approval makes it need one', async () => {
    const db = await h.openMigrated();
    const recheck = scriptedRecheck({ F: { review: 'balance_changed' } });
    const { pass, get } = await setUp(db, [item('F', { type: 'fee' })], { recheck });
    expect(await pass()).toEqual(counts({ claimed: 1, review: 1 }));
    expect(await get('F')).toMatchObject({
      status: 'draft',
      approvalsRequired: 1,
      pastDueCents: 150000,
    });
  });

  it('a re-check that throws retries later and does not count as an attempt', async () => {
    const db = await h.openMigrated();
    const recheck: Recheck = () => Promise.reject(new Error('database went away'));
    const { pass, get } = await setUp(db, [item('R')], { recheck });
    expect(await pass()).toEqual(counts({ claimed: 1, retried: 1 }));
    expect(await get('R')).toMatchObject({
      status: 'approved',
      reason: 'recheck_failed: database went away',
      attempts: 0,
    });
  });

  it('tasks are created in the tasks table, once', async () => {
    const db = await h.openMigrated();
    const task = item('L1:1:collect:call', {
      type: 'task',
      channel: null,
      method: null,
      contactId: null,
      payload: {
        title: 'Call Ana about October rent',
        category: 'collection_call',
        assignee: 'role:collections',
        dueDate: '2026-10-08',
      },
    });
    const { org, pass, get, sender } = await setUp(db, [task]);
    expect(await pass()).toEqual(counts({ claimed: 1, tasks: 1 }));
    expect(await get('L1:1:collect:call')).toMatchObject({
      status: 'sent',
      provider: 'tasks',
      providerId: 'L1:1:collect:call',
    });
    const tasks = await db.kysely
      .selectFrom('tasks')
      .selectAll()
      .where('org_id', '=', org)
      .execute();
    expect(tasks).toMatchObject([
      {
        id: 'L1:1:collect:call',
        lease_id: 'L1',
        episode: 1,
        outbox_key: 'L1:1:collect:call',
        title: 'Call Ana about October rent',
        category: 'collection_call',
        assignee: 'role:collections',
        due_date: '2026-10-08',
        status: 'open',
      },
    ]);
    expect((sender as ReturnType<typeof scriptedSender>).calls).toEqual([]);
  });

  it('an item no provider handles fails with no_provider', async () => {
    const db = await h.openMigrated();
    const { pass, get } = await setUp(
      db,
      [item('X', { type: 'writeback', channel: null, method: null })],
      {
        routes: { message: scriptedSender() },
      },
    );
    expect(await pass()).toEqual(counts({ claimed: 1, failed: 1 }));
    expect((await get('X')).reason).toBe('no_provider: no sender for writeback');
  });

  it('stopping mid-batch finishes the item in flight and releases the rest', async () => {
    const db = await h.openMigrated();
    const controller = new AbortController();
    const sender = scriptedSender({
      answer: (it) => {
        if (it.key === 'B') controller.abort();
        return { tag: 'accepted', externalId: it.key };
      },
    });
    const { pass, get } = await setUp(
      db,
      ['A', 'B', 'C', 'D'].map((k) => item(k)),
      { sender },
    );
    expect(await pass({ signal: controller.signal, batchSize: 10 })).toEqual(
      counts({ claimed: 4, sent: 2, released: 2 }),
    );
    expect((await get('B')).status).toBe('sent');
    expect(await get('C')).toMatchObject({
      status: 'approved',
      reason: 'released',
      attempts: 0,
      claimedBy: null,
    });
    expect(sender.calls).toEqual(['A', 'B']);
  });

  it('a slow worker whose item was taken over records a late answer it got', async () => {
    const db = await h.openMigrated();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sending!: () => void;
    const started = new Promise<void>((r) => (sending = r));
    const slow = scriptedSender({
      id: 'smtp',
      idempotent: false,
      answer: async (it) => {
        sending();
        await gate;
        return { tag: 'accepted', externalId: `late-${it.key}` };
      },
    });
    const { org, clock, deps, pass, get, outbox } = await setUp(
      db,
      [item('M', { channel: 'email' })],
      {
        sender: slow,
      },
    );
    const running = pass({ leaseMs: 1000 });
    await started;
    // Its claim expires; another worker finds the started, non-idempotent send: unknown.
    clock.advance(5000);
    const other = await outbox.claimDue(org, 'w-other', iso(clock.now()), 10, 1000, {
      idempotent: () => false,
    });
    expect(other.lost).toEqual(['M']);
    release();
    expect(await running).toEqual(counts({ claimed: 1, sent: 1 }));
    expect(await get('M')).toMatchObject({
      status: 'sent',
      reason: 'late_outcome',
      providerId: 'late-M',
    });
    const history = await db.kysely
      .selectFrom('outbox_transitions')
      .select(['to_status', 'actor'])
      .where('org_id', '=', org)
      .orderBy('seq')
      .execute();
    expect(history.map((t) => `${t.to_status} ${t.actor}`)).toEqual([
      'approved system:scan',
      `dispatching worker:${deps.workerId}`,
      'unknown system:claim-expired',
      `sent worker:${deps.workerId}`,
    ]);
    expect((await verifyAudit(db)).ok).toBe(true);
  });
});
