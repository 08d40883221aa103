/**
 * Group commit of delivery receipts, on every engine: concurrent receipts of one
 * organisation share a transaction without changing what each caller sees: every receipt
 * is applied once, the audit chain verifies, and one failing receipt fails alone. Webhook
 * ids claimed concurrently are each claimed once.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { sentKeyOf, withSentMessages as sentMessages } from '../../test/support/sent-messages.js';
import { receiveDeliveryStatus } from '../app/receive-reply.js';
import { inboundFor } from '../main.js';
import { iso, T0 } from '../outbox/testing.js';
import type { Db } from './database.js';
import { verifyAudit } from './repos/audit-repo.js';
import { ensureOrganisation } from './repos/organisations-repo.js';
import { createWebhookEventsRepo } from './repos/webhook-events-repo.js';

const ITEMS = 12;
const keyOf = sentKeyOf;

/** Oak Court with ITEMS text messages sent (provider ids `ext-KEY`). */
const withSentMessages = (db: Db, org: string) => sentMessages(db, org, ITEMS);

const delivered = (ORG: string, i: number, eventId = `evt-${i}`) => ({
  orgId: ORG,
  provider: 'sms',
  eventId,
  status: 'delivered' as const,
  providerMessageId: `ext-${keyOf(i)}`,
  at: iso(T0 + 60_000),
});

forEachDialect('group commit of webhook ingest', (h) => {
  it('receipts arriving together each move their own item once, and the chain verifies', async () => {
    const db = await h.openMigrated();
    const ORG = 'together';
    const { clock, outbox } = await withSentMessages(db, ORG);
    const deps = inboundFor(db, clock);
    // Every item twice (a provider's retry under another event id): the second is a no-op.
    const results = await Promise.all(
      [...Array(ITEMS).keys(), ...Array(ITEMS).keys()].map((i, n) =>
        receiveDeliveryStatus(deps, delivered(ORG, i, `evt-${n}`)),
      ),
    );
    expect(results.filter((r) => r.transitioned)).toHaveLength(ITEMS);
    expect(results.filter((r) => r.eventRecorded)).toHaveLength(ITEMS);
    for (let i = 0; i < ITEMS; i++)
      expect((await outbox.get(ORG, keyOf(i)))!.status).toBe('delivered');
    const received = await db.kysely
      .selectFrom('audit')
      .select('subject')
      .where('org_id', '=', ORG)
      .where('type', '=', 'delivery.received')
      .execute();
    expect(received).toHaveLength(2 * ITEMS);
    // Committed for good: another handle sees the same intact chain.
    const other = await h.open();
    expect((await verifyAudit(other)).organisations.find((o) => o.orgId === ORG)).toMatchObject({
      ok: true,
    });
  });

  it('a receipt that fails inside a group fails alone; the others are applied', async () => {
    const db = await h.openMigrated();
    const ORG = 'one-fails';
    const { clock, outbox } = await withSentMessages(db, ORG);
    const deps = inboundFor(db, clock);
    const broken = keyOf(3);
    const flaky = {
      ...deps,
      outbox: {
        ...deps.outbox,
        lock: (tx: Parameters<typeof deps.outbox.lock>[0], org: string, key: string) =>
          key === broken
            ? Promise.reject(new Error('storage hiccup'))
            : deps.outbox.lock(tx, org, key),
        lockMany: (tx: Parameters<typeof deps.outbox.lock>[0], org: string, keys: string[]) =>
          keys.includes(broken)
            ? Promise.reject(new Error('storage hiccup'))
            : deps.outbox.lockMany(tx, org, keys),
      },
    };
    const settled = await Promise.allSettled(
      Array.from({ length: ITEMS }, (_, i) => receiveDeliveryStatus(flaky, delivered(ORG, i))),
    );
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([
      { status: 'rejected', reason: new Error('storage hiccup') },
    ]);
    for (let i = 0; i < ITEMS; i++)
      expect((await outbox.get(ORG, keyOf(i)))!.status).toBe(i === 3 ? 'sent' : 'delivered');
    expect((await verifyAudit(db)).organisations.find((o) => o.orgId === ORG)).toMatchObject({
      ok: true,
    });
  });

  it('webhook ids claimed together: each claimed once, completed durably', async () => {
    const db = await h.openMigrated();
    const ORG = 'claims';
    await ensureOrganisation(db, { id: ORG, name: ORG, at: iso(T0) });
    const store = createWebhookEventsRepo(db, ORG);
    const at = iso(T0);
    const claims = await Promise.all(
      Array.from({ length: 30 }, (_, n) => store.claim('twilio', `e${n % 10}`, at)),
    );
    expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(10);
    expect(claims.filter((c) => c.status === 'in_progress')).toHaveLength(20);
    await Promise.all(
      Array.from({ length: 10 }, (_, n) => store.complete('twilio', `e${n}`, at, iso(T0 + 1))),
    );
    const other = createWebhookEventsRepo(await h.open(), ORG);
    for (let n = 0; n < 10; n++)
      expect(await other.claim('twilio', `e${n}`, iso(T0 + 2))).toEqual({ status: 'duplicate' });
  });
});
