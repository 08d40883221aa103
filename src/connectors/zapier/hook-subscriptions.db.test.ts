/**
 * REST hook subscriptions and publishing on every engine: the cursor starts at the audit
 * head, events go out in order once each, a failure stops at the event and the next pass
 * resumes there, two workers never post the same event, 410 deletes.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { fixedClock } from '../../app/ports/clock.js';
import {
  publishEvents,
  type HookDelivery,
  type HookDeliveryResult,
  type HookSubscriptionStore,
  type PublicEvent,
} from '../../app/publish-events.js';
import type { Db } from '../../storage/database.js';
import { readChain } from '../../storage/repos/audit-repo.js';
import { hookSubscriptionsRepo } from '../../storage/repos/hook-subscriptions-repo.js';
import { ensureOrganisation } from '../../storage/repos/organisations-repo.js';
import {
  caseClosed,
  caseOpened,
  ensureHookSubscriptions,
  outboxSent,
  record,
  replyReceived,
} from './testing.js';

const AT = '2026-10-06T16:00:00.000Z';
const T = Date.parse(AT);
const iso = (ms: number) => new Date(ms).toISOString();

/** A target that records what it accepted and answers what the test scripts. */
function target(
  script: (event: PublicEvent, n: number) => HookDeliveryResult = () => ({
    tag: 'delivered',
  }),
) {
  const accepted: PublicEvent[] = [];
  let n = 0;
  const delivery: HookDelivery & { accepted: PublicEvent[] } = {
    accepted,
    async deliver(_url, event) {
      await new Promise((r) => setTimeout(r, 5));
      const result = script(event, n++);
      if (result.tag === 'delivered') accepted.push(event);
      return result;
    },
  };
  return delivery;
}

forEachDialect('REST hook subscriptions', (h) => {
  let db: Db;
  let hooks: HookSubscriptionStore;
  let org: string;
  let orgs = 0;
  const clock = fixedClock(T);

  beforeAll(async () => {
    db = await h.openMigrated();
    await ensureHookSubscriptions(db);
    hooks = hookSubscriptionsRepo(db);
  });
  beforeEach(async () => {
    clock.set(T);
    org = `org${++orgs}`;
    await ensureOrganisation(db, { id: org, name: org, at: AT });
  });

  const subscribe = (event: 'case.opened' | 'action.sent' | 'reply.received' | 'case.closed') =>
    hooks.add({
      orgId: org,
      event,
      targetUrl: `https://hooks.zapier.com/hooks/catch/1/${event}/secret-part/`,
      createdBy: 'user:u1',
      createdAt: AT,
    });
  const publish = (delivery: HookDelivery, extra: object = {}, store = hooks) =>
    publishEvents({ hooks: store, clock, delivery, ...extra }, org);

  describe('the store', () => {
    it('starts a subscription at the audit head and audits it without the target URL', async () => {
      await record(db, org, AT, caseOpened('L1'), caseOpened('L2'));
      const s = await subscribe('case.opened');
      expect(s).toMatchObject({ orgId: org, event: 'case.opened', lastSeq: 2, deletedAt: null });
      expect(await hooks.list(org)).toEqual([s]);
      expect(await hooks.list(org, 'action.sent')).toEqual([]);
      const chain = await readChain(db, org);
      expect(chain.at(-1)).toMatchObject({
        type: 'hook.subscribed',
        subject: `hook:${s.id}`,
        actor: 'user:u1',
        data: { hookId: s.id, event: 'case.opened', targetHost: 'hooks.zapier.com' },
      });
      expect(JSON.stringify(chain)).not.toContain('secret-part');
    });

    it('removes once (then `already`; `unknown` for another id), audited with the reason', async () => {
      const s = await subscribe('case.opened');
      const by = { actor: 'user:u1', at: AT, reason: 'unsubscribed' };
      expect(await hooks.remove(org, s.id, by)).toBe('removed');
      expect(await hooks.remove(org, s.id, by)).toBe('already');
      expect(await hooks.remove(org, 'hook_nope', by)).toBe('unknown');
      expect(await hooks.remove('default', s.id, by)).toBe('unknown');
      expect(await hooks.list(org)).toEqual([]);
      expect((await readChain(db, org)).at(-1)).toMatchObject({
        type: 'hook.unsubscribed',
        data: { hookId: s.id, event: 'case.opened', reason: 'unsubscribed' },
      });
      expect(await hooks.claim(org, s.id, 'a', AT, iso(T + 60_000))).toBeNull();
    });

    it('leases a subscription to one holder; the cursor only moves forward, by the holder', async () => {
      const s = await subscribe('case.opened');
      expect(await hooks.claim(org, s.id, 'a', AT, iso(T + 60_000))).toBe(s.lastSeq);
      expect(await hooks.claim(org, s.id, 'b', AT, iso(T + 60_000))).toBeNull();
      expect(await hooks.advance(org, s.id, 'b', 5, iso(T + 60_000))).toBe(false);
      expect(await hooks.advance(org, s.id, 'a', 5, iso(T + 60_000))).toBe(true);
      expect(await hooks.advance(org, s.id, 'a', 3, iso(T + 60_000))).toBe(false);
      // The holder went quiet: once its lease ran out, another takes over from its cursor.
      expect(await hooks.claim(org, s.id, 'b', iso(T + 60_000), iso(T + 120_000))).toBe(5);
      expect(await hooks.advance(org, s.id, 'a', 6, iso(T + 60_000))).toBe(false);
      // Released with a Retry-After: nobody takes it before then.
      await hooks.release(org, s.id, 'b', iso(T + 300_000));
      expect(await hooks.claim(org, s.id, 'c', iso(T + 299_999), iso(T + 400_000))).toBeNull();
      expect(await hooks.claim(org, s.id, 'c', iso(T + 300_000), iso(T + 400_000))).toBe(5);
    });

    it('reads the audit entries of some types after a seq, complete up to the head or the page', async () => {
      await record(
        db,
        org,
        AT,
        caseOpened('L1'),
        caseClosed('L1'),
        caseOpened('L2'),
        caseOpened('L3'),
        replyReceived('L3', 'rp_1'),
      );
      const all = await hooks.readAudit(org, 0, ['case.opened'], 10);
      expect(all.entries.map((e) => [e.seq, e.subject])).toEqual([
        [1, 'lease:L1'],
        [3, 'lease:L2'],
        [4, 'lease:L3'],
      ]);
      expect(all.entries[0]!.data).toMatchObject({ episode: 1, opened: '2026-10-06' });
      expect(all.complete).toBe(5);
      const page = await hooks.readAudit(org, 1, ['case.opened'], 1);
      expect(page.entries.map((e) => e.seq)).toEqual([3]);
      expect(page.complete).toBe(3);
      expect(await hooks.readAudit(org, 5, ['case.opened'], 10)).toEqual({
        entries: [],
        complete: 5,
      });
    });
  });

  describe('publishEvents', () => {
    it('posts the events after the subscription, in order, once; the cursor passes the rest', async () => {
      await record(db, org, AT, outboxSent('L0:1:late-notice:sms', 'L0'));
      const s = await subscribe('action.sent');
      await record(
        db,
        org,
        AT,
        outboxSent('L1:1:late-notice:sms', 'L1'),
        caseOpened('L2'),
        outboxSent('L2:1:late-notice:email', 'L2'),
        replyReceived('L2', 'rp_1'),
      );
      const t = target();
      expect(await publish(t)).toEqual({ delivered: 2, gone: [], retrying: [], busy: [] });
      expect(t.accepted.map((e) => e.id)).toEqual([`evt_${org}_3`, `evt_${org}_5`]);
      const [after] = await hooks.list(org);
      // hook.subscribed is seq 2; the reply at 6 is not this subscription's but is passed.
      expect(after!.lastSeq).toBe(6);
      expect(await publish(t)).toMatchObject({ delivered: 0 });
      expect(t.accepted).toHaveLength(2);
      expect(s.lastSeq).toBe(1);
    });

    it('stops at a failed event and resumes there on the next pass: nothing lost, nothing twice', async () => {
      await subscribe('case.opened');
      await record(db, org, AT, caseOpened('L1'), caseOpened('L2'), caseOpened('L3'));
      let failed = false;
      const t = target((event) => {
        if (event.leaseId !== 'L2' || failed) return { tag: 'delivered' };
        failed = true;
        return { tag: 'retry', reason: 'HTTP 500' };
      });
      const first = await publish(t);
      expect(first.delivered).toBe(1);
      expect(first.retrying).toEqual([{ id: expect.any(String), reason: 'HTTP 500' }]);
      expect(await publish(t)).toMatchObject({ delivered: 2, retrying: [] });
      expect(t.accepted.map((e) => e.leaseId)).toEqual(['L1', 'L2', 'L3']);
    });

    it('pages through the log, and leaves what is over the per-pass limit for the next pass', async () => {
      await subscribe('case.closed');
      await record(db, org, AT, ...['L1', 'L2', 'L3', 'L4', 'L5'].map((l) => caseClosed(l)));
      const t = target();
      expect(await publish(t, { batchSize: 2, maxPerPass: 3 })).toMatchObject({ delivered: 3 });
      expect(await publish(t, { batchSize: 2, maxPerPass: 3 })).toMatchObject({ delivered: 2 });
      expect(t.accepted.map((e) => e.leaseId)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5']);
    });

    it('two workers publishing at once post each event once', async () => {
      await subscribe('reply.received');
      await subscribe('reply.received');
      await record(
        db,
        org,
        AT,
        ...['rp_1', 'rp_2', 'rp_3', 'rp_4'].map((r) => replyReceived('L1', r)),
      );
      const other = await h.open();
      const t = target();
      const reports = await Promise.all([publish(t), publish(t, {}, hookSubscriptionsRepo(other))]);
      expect(reports[0].delivered + reports[1].delivered).toBe(8);
      const ids = t.accepted.map((e) => e.id);
      expect(ids).toHaveLength(8);
      expect(new Set(ids).size).toBe(4);
    });

    it('deletes a subscription whose target answers 410, and posts nothing more to it', async () => {
      const s = await subscribe('case.opened');
      await record(db, org, AT, caseOpened('L1'), caseOpened('L2'));
      const t = target(() => ({ tag: 'gone' }));
      expect(await publish(t)).toMatchObject({ delivered: 0, gone: [s.id] });
      expect(await hooks.list(org)).toEqual([]);
      expect((await readChain(db, org)).at(-1)).toMatchObject({
        type: 'hook.unsubscribed',
        actor: 'system:hooks',
        data: { hookId: s.id, reason: 'gone' },
      });
      await record(db, org, AT, caseOpened('L3'));
      expect(await publish(target())).toMatchObject({ delivered: 0, gone: [] });
    });
  });
});
