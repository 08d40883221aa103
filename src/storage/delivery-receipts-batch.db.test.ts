/**
 * Delivery receipts applied as a group, on every engine: forty receipts arriving together
 * — repeats, a `delivered` and a `bounced` for one message, a `failed` then a `delivered`,
 * an unknown provider id, a key that names another message's id, two messages under one
 * provider id — leave the outbox, the events, the audit log and the answers exactly as the
 * same receipts applied one after the other, in a handful of statements per group.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { sentKeyOf, withSentMessages as sentMessages } from '../../test/support/sent-messages.js';
import { fixedClock } from '../app/ports/clock.js';
import type { OutboxItem } from '../app/ports/outbox.js';
import {
  receiveDeliveryStatus,
  type DeliveryReceipt,
  type ReceivedDelivery,
} from '../app/receive-reply.js';
import { inboundFor } from '../main.js';
import { iso, T0 } from '../outbox/testing.js';
import type { Db, DbTransaction } from './database.js';
import { verifyAudit } from './repos/audit-repo.js';

const ITEMS = 16;
const keyOf = sentKeyOf;
const idOf = (i: number) => `ext-${keyOf(i)}`;

/** Oak Court with ITEMS text messages sent (provider ids `ext-KEY`); 14 and 15 share one. */
async function withSentMessages(db: Db, org: string) {
  const { clock, outbox } = await sentMessages(db, org, ITEMS);
  // A provider that reused a message id: the receipt is about the one updated last.
  await db.kysely
    .updateTable('outbox')
    .set({ provider_id: 'shared' })
    .where('org_id', '=', org)
    .where('key', 'in', [keyOf(14), keyOf(15)])
    .execute();
  return { clock, outbox };
}

type Given = Omit<DeliveryReceipt, 'orgId' | 'provider' | 'at'>;
const byId = (i: number, status: DeliveryReceipt['status'], eventId: string): Given => ({
  eventId,
  status,
  providerMessageId: idOf(i),
});

/** The receipts, in arrival order: a group of 32, then the rest. */
const RECEIPTS: Given[] = [
  byId(0, 'delivered', 'e0'),
  byId(1, 'delivered', 'e1'),
  byId(1, 'delivered', 'e1-retry'), // a provider's retry: nothing moves, no new event
  byId(2, 'undelivered', 'e2'),
  byId(2, 'delivered', 'e2-late'), // failed stays failed; the delivered event is stored
  byId(3, 'delivered', 'e3'),
  { ...byId(3, 'bounced', 'e3-bounce'), detail: '550 mailbox full' },
  { eventId: 'e-unknown', status: 'delivered', providerMessageId: 'ext-nobody' },
  { eventId: 'e5-key', status: 'delivered', key: keyOf(5) },
  { eventId: 'e6-mismatch', status: 'delivered', key: keyOf(6), providerMessageId: idOf(7) },
  { eventId: 'e-no-key', status: 'failed', key: 'L9:1:nothing:here' },
  byId(7, 'returned', 'e7'),
  byId(8, 'delivered', 'e8'),
  byId(8, 'delivered', 'e8'), // the same event twice
  { eventId: 'e15-key', status: 'delivered', key: keyOf(15) },
  { eventId: 'e-shared', status: 'bounced', providerMessageId: 'shared' }, // now names 15
  ...Array.from({ length: 5 }, (_, n) => byId(9 + n, 'delivered', `e${9 + n}`)),
  byId(4, 'failed', 'e4'),
  byId(4, 'delivered', 'e4-after'),
  ...Array.from({ length: 5 }, (_, n) => byId(9 + n, 'undelivered', `e${9 + n}-again`)),
  byId(6, 'bounced', 'e6'),
  byId(6, 'bounced', 'e6-retry'),
  byId(0, 'undelivered', 'e0-late'),
  { eventId: 'e14-key', status: 'failed', key: keyOf(14), detail: 'carrier' },
  { eventId: 'e-shared-2', status: 'delivered', providerMessageId: 'shared' },
  byId(5, 'delivered', 'e5-by-id'),
  byId(10, 'bounced', 'e10-bounce'),
  byId(11, 'delivered', 'e11-repeat'),
  { eventId: 'e-unknown-2', status: 'bounced', providerMessageId: 'ext-nobody-2' },
  byId(12, 'failed', 'e12'),
  byId(13, 'delivered', 'e13-repeat'),
  byId(9, 'returned', 'e9-returned'),
  byId(1, 'bounced', 'e1-bounce'),
];

interface Outcome {
  results: ReceivedDelivery[];
  fallbacks: string[];
  transactions: number;
  lockReads: number;
}

/** Applies RECEIPTS to `org`, together or one after the other; each at its own instant. */
async function apply(db: Db, org: string, together: boolean): Promise<Outcome> {
  const { clock } = await withSentMessages(db, org);
  const base = inboundFor(db, clock);
  const seen = { transactions: 0, lockReads: 0 };
  const fallbacks: string[] = [];
  // A store of its own (the group-commit batcher is per store), counting what it is asked.
  const inbound = {
    ...base.inbound,
    transaction: <T>(orgId: string, fn: (tx: DbTransaction) => Promise<T>) => {
      seen.transactions++;
      return base.inbound.transaction(orgId, fn);
    },
  };
  const outbox = {
    ...base.outbox,
    lockMany: (...args: Parameters<typeof base.outbox.lockMany>) => {
      seen.lockReads++;
      return base.outbox.lockMany(...args);
    },
  };
  const onFailed = (item: OutboxItem) => {
    fallbacks.push(item.key);
    return Promise.resolve();
  };
  const depsOf = (n: number) => ({
    inbound,
    outbox,
    onFailed,
    clock: fixedClock(T0 + (n + 1) * 1000),
  });
  const receipt = (r: Given, n: number): DeliveryReceipt => ({
    ...r,
    orgId: org,
    provider: 'sms',
    at: iso(T0 + 3600_000 + n),
  });
  const results: ReceivedDelivery[] = [];
  if (together)
    results.push(
      ...(await Promise.all(
        RECEIPTS.map((r, n) => receiveDeliveryStatus(depsOf(n), receipt(r, n))),
      )),
    );
  else
    for (const [n, r] of RECEIPTS.entries())
      results.push(await receiveDeliveryStatus(depsOf(n), receipt(r, n)));
  return { results, fallbacks: fallbacks.sort(), ...seen };
}

/** Everything the receipts wrote in `org`, with the organisation left out. */
async function written(db: Db, org: string) {
  const k = db.kysely;
  const [outbox, transitions, events, audit] = await Promise.all([
    k
      .selectFrom('outbox')
      .select(['key', 'status', 'reason', 'updated_at'])
      .where('org_id', '=', org)
      .orderBy('key')
      .execute(),
    k
      .selectFrom('outbox_transitions')
      .select(['key', 'seq', 'from_status', 'to_status', 'at', 'actor', 'reason'])
      .where('org_id', '=', org)
      .orderBy('key')
      .orderBy('seq')
      .execute(),
    k
      .selectFrom('events')
      .select(['id', 'type', 'date', 'lease_id', 'payload', 'source', 'created_at'])
      .where('org_id', '=', org)
      .where('type', '=', 'delivery')
      .orderBy('id')
      .execute(),
    k
      .selectFrom('audit')
      .select(['seq', 'at', 'actor', 'type', 'subject', 'data'])
      .where('org_id', '=', org)
      .where('actor', '=', 'provider:sms')
      .orderBy('seq')
      .execute(),
  ]);
  return { outbox, transitions, events, audit };
}

forEachDialect('delivery receipts applied as a group', (h) => {
  it('forty receipts together write what they write one after the other', async () => {
    const db = await h.openMigrated();
    const together = await apply(db, 'together', true);
    const alone = await apply(db, 'alone', false);

    // Two groups (32, then the rest), neither retried receipt by receipt.
    expect(together.transactions).toBe(2);
    expect(alone.transactions).toBe(RECEIPTS.length);
    // Items are read a part at a time (a repeat starts a new part), not once per receipt.
    expect(together.lockReads).toBeLessThanOrEqual(12);

    expect(together.results).toEqual(alone.results);
    expect(together.fallbacks).toEqual(alone.fallbacks);
    expect(await written(db, 'together')).toEqual(await written(db, 'alone'));
    for (const org of ['together', 'alone'])
      expect((await verifyAudit(db)).organisations.find((o) => o.orgId === org)).toMatchObject({
        ok: true,
      });

    // What the receipts say, read as the spec's examples.
    const r = together.results;
    const at = (eventId: string) => r[RECEIPTS.findIndex((x) => x.eventId === eventId)]!;
    expect(at('e1')).toMatchObject({ from: 'sent', to: 'delivered', transitioned: true });
    expect(at('e1-retry')).toMatchObject({ to: 'delivered', transitioned: false });
    expect(at('e1-retry').eventRecorded).toBe(false);
    expect(at('e2')).toMatchObject({ to: 'failed', transitioned: true, contactBad: true });
    expect(at('e2-late')).toMatchObject({
      from: 'failed',
      to: 'failed',
      transitioned: false,
      eventRecorded: true,
    });
    expect(at('e3-bounce')).toMatchObject({
      from: 'delivered',
      to: 'delivered',
      eventRecorded: true,
      contactBad: true,
    });
    expect(at('e-unknown')).toMatchObject({ key: null, transitioned: false });
    expect(at('e6-mismatch')).toMatchObject({ key: null });
    expect(at('e-no-key')).toMatchObject({ key: null });
    expect(at('e5-key')).toMatchObject({ key: keyOf(5), to: 'delivered' });
    expect(r.filter((x) => x.key === keyOf(8) && x.eventRecorded)).toHaveLength(1);
    // The shared id names the item moved last: 15, moved by the receipt just before.
    expect(at('e-shared')).toMatchObject({ key: keyOf(15), from: 'delivered' });
    expect(at('e-shared-2')).toMatchObject({ key: keyOf(14), from: 'failed' });
    expect(together.fallbacks).toEqual([2, 4, 6, 7, 14].map(keyOf).sort());
    const unmatched = (await written(db, 'together')).audit.filter(
      (e) => e.type === 'delivery.unmatched',
    );
    expect(unmatched.map((e) => (JSON.parse(e.data) as { why: string }).why)).toEqual([
      'no_item',
      'provider_id_mismatch',
      'no_item',
      'no_item',
    ]);
  });
});
