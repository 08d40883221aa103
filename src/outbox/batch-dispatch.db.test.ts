/**
 * The batched dispatch pass (batch-dispatch.ts) on SQLite and PostgreSQL.
 *
 * 1. The whole dispatch suite (storage/outbox-dispatch.db.test.ts: re-check branches, every
 *    outcome tag, tasks, retries, stopping mid-batch, a late answer after a takeover) again,
 *    with the use case's pass replaced by the batched one: the same results item by item.
 * 2. What batching adds: several items in flight, answers recorded together (one audit
 *    append per batch) and still exactly once; a non-idempotent provider's answer recorded
 *    before the next item goes; an item taken over while its answer waited.
 */
import { describe, expect, it, vi } from 'vitest';
import type { DispatchDeps, DispatchOptions } from '../app/dispatch-outbox.js';
import { fixedClock } from '../app/ports/clock.js';
import type { NewOutboxItem, Sender } from '../app/ports/outbox.js';
import { forEachDialect } from '../../test/support/databases.js';
import type { Db, DbTransaction } from '../storage/database.js';
import { readChain, verifyAudit } from '../storage/repos/audit-repo.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../storage/repos/outbox-repo.js';
import { canBatch, dispatchInBatches, type BatchDispatchOptions } from './batch-dispatch.js';
import { createDispatcher } from './dispatcher.js';
import { createDispatchRecorder } from './dispatch-metrics.js';
import { senderRegistry } from './senders.js';
import { iso, newItem, scriptedRecheck, scriptedSender, T0 } from './testing.js';

vi.mock('../app/dispatch-outbox.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../app/dispatch-outbox.js')>();
  return {
    ...original,
    // The suite's passes go through the batched pass (imported when called: it imports
    // this module itself).
    async dispatchOutbox<Tx>(deps: DispatchDeps<Tx>, options?: DispatchOptions) {
      const batch = await import('./batch-dispatch.js');
      if (!batch.canBatch(deps.outbox)) throw new Error('the store cannot batch');
      return batch.dispatchInBatches({ ...deps, outbox: deps.outbox }, options);
    },
  };
});

describe('the dispatch suite, batched', async () => {
  await import('../storage/outbox-dispatch.db.test.js');
});

let n = 0;
async function setUp(db: Db, items: NewOutboxItem[], routes: Record<string, Sender>) {
  const org = `b-${++n}`;
  await ensureOrganisation(db, { id: org, name: org, at: iso(T0) });
  const clock = fixedClock(T0);
  const outbox = createOutboxRepo(db, clock);
  if (!canBatch(outbox)) throw new Error('the database store batches');
  await db.transaction((trx) => outbox.insertItems(trx, org, items, 'system:scan'));
  const deps = {
    outbox,
    recheck: scriptedRecheck(),
    senders: senderRegistry(routes),
    clock,
    workerId: `bw-${n}`,
  } satisfies DispatchDeps<DbTransaction>;
  const pass = (over: BatchDispatchOptions = {}) =>
    dispatchInBatches(deps, { orgId: org, ...over });
  return { org, clock, outbox, deps, pass };
}

const item = (key: string, over: Partial<NewOutboxItem> = {}) =>
  newItem(key, { approvalsRequired: 0, ...over });

forEachDialect('batched dispatch', (h) => {
  it('sends a batch several at a time, each once, and records the answers together', async () => {
    const db = await h.openMigrated();
    let inFlight = 0;
    let most = 0;
    const sender = scriptedSender({
      id: 'api',
      idempotent: true,
      answer: async (it) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { tag: 'accepted', externalId: `x-${it.key}` };
      },
    });
    const keys = Array.from({ length: 30 }, (_, i) => `K${String(i).padStart(2, '0')}`);
    const { org, outbox, pass } = await setUp(
      db,
      keys.map((k) => item(k)),
      { '*': sender },
    );
    const counts = await pass({ batchSize: 20, concurrency: 6 });
    expect(counts).toMatchObject({ claimed: 30, sent: 30, conflicts: 0 });
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(6);
    expect([...sender.calls].sort()).toEqual(keys);
    const page = await outbox.list(org, { limit: 100 });
    for (const i of page.items)
      expect(i).toMatchObject({ status: 'sent', provider: 'api', providerId: `x-${i.key}` });
    // Per item: planned, claimed, sent — in a chain that verifies.
    const audit = await readChain(db, org);
    expect(audit.filter((e) => e.type === 'outbox.sent')).toHaveLength(30);
    expect(audit.filter((e) => e.type === 'outbox.dispatching')).toHaveLength(30);
    expect((await verifyAudit(db)).ok).toBe(true);
    // Each item's history has consecutive seqs.
    const history = await db.kysely
      .selectFrom('outbox_transitions')
      .select(['key', 'seq', 'to_status'])
      .where('org_id', '=', org)
      .orderBy('key')
      .orderBy('seq')
      .execute();
    expect(history.filter((r) => r.key === 'K07').map((r) => `${r.seq} ${r.to_status}`)).toEqual([
      '1 approved',
      '2 dispatching',
      '3 sent',
    ]);
  });

  it('mixed answers in one batch: each item goes where its answer says', async () => {
    const db = await h.openMigrated();
    const failed: string[] = [];
    const sender = scriptedSender({
      idempotent: true,
      answer: (it) =>
        it.key === 'R'
          ? { tag: 'rejected', code: '400', reason: 'bad number' }
          : it.key === 'T'
            ? { tag: 'retryable', reason: 'HTTP 502' }
            : { tag: 'accepted', externalId: it.key },
    });
    const { deps, org, outbox } = await setUp(
      db,
      ['A', 'R', 'T'].map((k) => item(k)),
      { '*': sender },
    );
    const counts = await dispatchInBatches(
      { ...deps, onFailed: (i) => Promise.resolve(void failed.push(i.key)) },
      { orgId: org, concurrency: 3 },
    );
    expect(counts).toMatchObject({ claimed: 3, sent: 1, failed: 1, retried: 1 });
    expect((await outbox.get(org, 'R'))?.status).toBe('failed');
    expect(await outbox.get(org, 'T')).toMatchObject({ status: 'approved', claimedBy: null });
    expect(failed).toEqual(['R']);
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it("a non-idempotent provider's answer is recorded before the next item goes", async () => {
    const db = await h.openMigrated();
    const seen: string[] = [];
    const ref: { t?: Awaited<ReturnType<typeof setUp>> } = {};
    const smtp = scriptedSender({
      id: 'smtp',
      idempotent: false,
      answer: async (it) => {
        // What the store says about the items sent before this one.
        for (const k of ['E1', 'E2'])
          if (k < it.key) seen.push(`${k}:${(await ref.t!.outbox.get(ref.t!.org, k))?.status}`);
        return { tag: 'accepted', externalId: it.key };
      },
    });
    const t = await setUp(
      db,
      ['E1', 'E2', 'E3'].map((k) => item(k, { channel: 'email', method: 'email' })),
      { '*': smtp },
    );
    ref.t = t;
    expect(await t.pass()).toMatchObject({ claimed: 3, sent: 3 });
    expect(seen).toEqual(['E1:sent', 'E1:sent', 'E2:sent']);
  });

  it('an item taken over while its answer waited is not recorded over the new owner', async () => {
    const db = await h.openMigrated();
    const ref: { t?: Awaited<ReturnType<typeof setUp>> } = {};
    const sender = scriptedSender({
      idempotent: true,
      answer: async (it) => {
        if (it.key === 'B') {
          // A's answer waits to be recorded; meanwhile A's claim expires and another worker
          // (idempotent provider, send started) puts it back and claims it.
          const t = ref.t!;
          t.clock.advance(120_000);
          const other = await t.outbox.claimDue(t.org, 'w-other', iso(t.clock.now()), 1, 60_000, {
            idempotent: () => true,
          });
          expect(other.claimed.map((c) => c.key)).toEqual(['A']);
        }
        return { tag: 'accepted', externalId: it.key };
      },
    });
    const t = await setUp(
      db,
      ['A', 'B'].map((k) => item(k)),
      { '*': sender },
    );
    ref.t = t;
    expect(await t.pass()).toMatchObject({ claimed: 2, sent: 1, conflicts: 1 });
    expect(await t.outbox.get(t.org, 'A')).toMatchObject({
      status: 'dispatching',
      claimedBy: 'w-other',
    });
    expect((await t.outbox.get(t.org, 'B'))?.status).toBe('sent');
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('the dispatcher tells its recorder what it did, for /metrics', async () => {
    const db = await h.openMigrated();
    const sender = scriptedSender({
      id: 'api',
      answer: (it) =>
        it.key === 'N'
          ? { tag: 'rejected', code: '400', reason: 'no' }
          : { tag: 'accepted', externalId: it.key },
    });
    const { org, outbox, clock, deps } = await setUp(
      db,
      ['A', 'B', 'N'].map((k) => item(k)),
      { '*': sender },
    );
    const recorder = createDispatchRecorder();
    const dispatcher = createDispatcher({
      outbox,
      clock,
      recheck: deps.recheck,
      senders: deps.senders,
      orgId: org,
      recorder,
      concurrency: 2,
    });
    await dispatcher.runOnce();
    expect(recorder.totals()).toEqual({ claimed: 3, sent: 2, failed: 1 });
    const calls = recorder.drain();
    expect(calls.map((c) => `${c.connector} ${c.outcome}`).sort()).toEqual([
      'api failed',
      'api ok',
      'api ok',
    ]);
    expect(calls.every((c) => c.latencySeconds >= 0)).toBe(true);
    expect(recorder.drain()).toEqual([]);
  });

  it('a batch running long renews its claims and records answers as it goes', async () => {
    const db = await h.openMigrated();
    const ref: { t?: Awaited<ReturnType<typeof setUp>> } = {};
    const seen: string[] = [];
    const sender = scriptedSender({
      idempotent: true,
      answer: async (it) => {
        const t = ref.t!;
        if (it.key === 'K3') seen.push(`K1:${(await t.outbox.get(t.org, 'K1'))?.status}`);
        // A slow provider: 400 ms a send, against 1 s claims.
        t.clock.advance(400);
        // Another worker looking for expired claims finds none: K3 (sent at 800 ms, its claim
        // of 1 s nearly gone) was renewed first.
        const other = await t.outbox.claimDue(t.org, 'w-other', iso(t.clock.now()), 10, 1000, {
          idempotent: () => true,
        });
        expect(other.claimed).toEqual([]);
        return { tag: 'accepted', externalId: it.key };
      },
    });
    const t = await setUp(
      db,
      ['K1', 'K2', 'K3'].map((k) => item(k)),
      { '*': sender },
    );
    ref.t = t;
    expect(await t.pass({ leaseMs: 1000 })).toMatchObject({ claimed: 3, sent: 3, conflicts: 0 });
    expect(seen).toEqual(['K1:sent']);
    expect((await verifyAudit(db)).ok).toBe(true);
  });
});
