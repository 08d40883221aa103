/**
 * The webhook inbox over `webhook_events` (repos/webhook-events-repo.ts), on every engine:
 * events stored before they are acknowledged, group-committed claims, the drainer's
 * claims (never the same event twice, stale ones taken over), retries and failures, the
 * stored request cleared once handled, a queued event applied after a restart, and rows of
 * before the inbox migrated.
 */
import { createHmac } from 'node:crypto';
import { Migrator } from 'kysely';
import { expect, it, vi } from 'vitest';
import { hmacTestConnector } from '../http/testing.js';
import { forEachDialect } from '../../test/support/databases.js';
import { fixedClock } from '../app/ports/clock.js';
import {
  createWebhookRegistry,
  type StoredWebhookRequest,
  type WebhookConnector,
  type WebhookEvent,
} from '../app/ports/webhooks.js';
import { buildApp } from '../http/app.js';
import type { Db } from './database.js';
import { migrateToLatest } from './migrate.js';
import { migrationProvider } from './migrations/index.js';
import { createApiTokenAuth } from './repos/api-tokens-repo.js';
import { createHealthRepo, createStorageMetrics } from './repos/health-repo.js';
import { ensureOrganisation } from './repos/organisations-repo.js';
import { createWebhookEventsRepo } from './repos/webhook-events-repo.js';

const T0 = Date.parse('2026-10-06T16:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: number) => iso(T0 + s * 1000);

const request = (text: string): StoredWebhookRequest => ({
  rawBody: Buffer.from(text),
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-event-id': text },
  url: 'https://arrears.example.com/webhooks/twilio?x=1',
});

async function org(db: Db, id: string) {
  await ensureOrganisation(db, { id, name: id, at: iso(T0) });
  return id;
}

const rowOf = (db: Db, orgId: string, eventId: string) =>
  db.kysely
    .selectFrom('webhook_events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();

/** The test connector, allowing deferral. */
const connector = (handled: WebhookEvent[], fail = () => false): WebhookConnector =>
  hmacTestConnector(handled, { fail, deferrable: true });

forEachDialect('webhook inbox', (h) => {
  it('stores a queued event with its request; a redelivery is a duplicate; the drainer claims it once', async () => {
    const db = await h.openMigrated();
    const ORG = await org(db, 'inbox-a');
    const store = createWebhookEventsRepo(db, ORG, { staleAfterMs: 60_000 });
    expect(
      await store.claim('twilio', 'e1', at(0), { request: request('e1'), queue: true }),
    ).toEqual({ status: 'queued' });
    expect(await store.claim('twilio', 'e1', at(1), { queue: true })).toEqual({
      status: 'duplicate',
    });
    expect(await store.inboxCounts()).toEqual({ queued: 1, claimed: 0, failed: 0 });

    // Not for a connector that is not named, nor before it is due.
    expect(await store.claimQueued(['other'], at(2), 10)).toEqual([]);
    const [claimed, ...rest] = await store.claimQueued(['twilio'], at(2), 10);
    expect(rest).toEqual([]);
    expect(claimed).toMatchObject({
      connector: 'twilio',
      eventId: 'e1',
      receivedAt: at(0),
      token: at(2),
      attempts: 1,
      request: {
        headers: request('e1').headers,
        url: request('e1').url,
      },
    });
    expect(claimed!.request.rawBody.toString()).toBe('e1');
    expect(await store.claimQueued(['twilio'], at(3), 10)).toEqual([]);
    // Being handled by the drainer: a redelivery now is in progress.
    expect(await store.claim('twilio', 'e1', at(3))).toEqual({ status: 'in_progress' });
    expect(await store.inboxCounts()).toEqual({ queued: 0, claimed: 1, failed: 0 });

    await store.complete('twilio', 'e1', claimed!.token, at(4));
    const row = await rowOf(db, ORG, 'e1');
    expect(row).toMatchObject({
      state: 'handled',
      handled_at: at(4),
      body: null,
      headers: null,
      url: null,
      attempts: 1,
    });
    expect(await store.claim('twilio', 'e1', at(5))).toEqual({ status: 'duplicate' });
    expect(await store.inboxCounts()).toEqual({ queued: 0, claimed: 0, failed: 0 });
  });

  it('claims oldest first; a failure is retried after its backoff, then stays failed with its error', async () => {
    const db = await h.openMigrated();
    const ORG = await org(db, 'inbox-b');
    const store = createWebhookEventsRepo(db, ORG);
    for (const [id, s] of [
      ['late', 2],
      ['early', 0],
      ['middle', 1],
    ] as const)
      await store.claim('twilio', id, at(s), { request: request(id), queue: true });
    const firstTwo = await store.claimQueued(['twilio'], at(10), 2);
    expect(firstTwo.map((e) => e.eventId)).toEqual(['early', 'middle']);

    const early = firstTwo[0]!;
    await store.fail('twilio', 'early', early.token, {
      error: 'boom',
      at: at(11),
      retryAt: at(60),
    });
    expect(await rowOf(db, ORG, 'early')).toMatchObject({
      state: 'queued',
      last_error: 'boom',
      available_at: at(60),
      attempts: 1,
    });
    // Not before its retry time; `late` is.
    expect((await store.claimQueued(['twilio'], at(30), 10)).map((e) => e.eventId)).toEqual([
      'late',
    ]);
    const again = await store.claimQueued(['twilio'], at(60), 10);
    expect(again.map((e) => [e.eventId, e.attempts])).toEqual([['early', 2]]);
    await store.fail('twilio', 'early', again[0]!.token, {
      error: 'boom again',
      at: at(61),
      retryAt: null,
    });
    const failed = await rowOf(db, ORG, 'early');
    expect(failed).toMatchObject({ state: 'failed', last_error: 'boom again', attempts: 2 });
    // Kept for a human, and never claimed again.
    expect(failed.body?.toString()).toBe('early');
    expect(await store.claimQueued(['twilio'], at(200), 10)).toEqual([]);
    expect(await store.inboxCounts()).toEqual({ queued: 0, claimed: 2, failed: 1 });
    // A stale token neither completes nor fails an event.
    await store.fail('twilio', 'middle', at(0), { error: 'x', at: at(62), retryAt: null });
    expect((await rowOf(db, ORG, 'middle')).state).toBe('claimed');
  });

  it('a claim gone stale with its request kept is taken over by the drainer; one without is not', async () => {
    const db = await h.openMigrated();
    const ORG = await org(db, 'inbox-c');
    const store = createWebhookEventsRepo(db, ORG, { staleAfterMs: 60_000 });
    // Inline claims (a crash left them): one with its request kept, one without.
    const kept = await store.claim('twilio', 'kept', at(0), { request: request('kept') });
    expect(kept).toEqual({ status: 'claimed', token: at(0) });
    await store.claim('twilio', 'bare', at(0));
    expect(await store.claimQueued(['twilio'], at(30), 10)).toEqual([]);
    const taken = await store.claimQueued(['twilio'], at(61), 10);
    expect(taken.map((e) => [e.eventId, e.attempts])).toEqual([['kept', 2]]);
    // The crashed handling's token no longer completes it.
    await store.complete('twilio', 'kept', at(0), at(62));
    expect((await rowOf(db, ORG, 'kept')).state).toBe('claimed');
    await store.complete('twilio', 'kept', taken[0]!.token, at(62));
    expect((await rowOf(db, ORG, 'kept')).state).toBe('handled');
  });

  it('two processes draining together never claim the same event', async () => {
    const db = await h.openMigrated();
    const ORG = await org(db, 'inbox-d');
    const store = createWebhookEventsRepo(db, ORG);
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        store.claim('twilio', `p${i}`, at(i), { request: request(`p${i}`), queue: true }),
      ),
    );
    const other = createWebhookEventsRepo(await h.open(), ORG);
    const seen: string[] = [];
    const drain = async (s: typeof store) => {
      for (;;) {
        const batch = await s.claimQueued(['twilio'], at(100), 7);
        if (batch.length === 0) return;
        seen.push(...batch.map((e) => e.eventId));
        await Promise.all(batch.map((e) => s.complete('twilio', e.eventId, e.token, at(101))));
      }
    };
    await Promise.all([drain(store), drain(other), drain(store), drain(other)]);
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);
    expect(await store.inboxCounts()).toEqual({ queued: 0, claimed: 0, failed: 0 });
  });

  it('claims and completions arriving together are written as groups, each answered as alone', async () => {
    const db = await h.openMigrated();
    const ORG = await org(db, 'inbox-e');
    const store = createWebhookEventsRepo(db, ORG);
    const first = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.claim('twilio', `g${i}`, at(0), i % 2 ? { request: request(`g${i}`) } : {}),
      ),
    );
    expect(first.every((c) => c.status === 'claimed')).toBe(true);
    // Completions of the first twenty and claims of new and repeated ids, all at once.
    const [done, claims] = await Promise.all([
      Promise.all(
        // Half of them lazy (as the drainer's): they ride along with the claims' write.
        Array.from({ length: 20 }, (_, i) =>
          store.complete('twilio', `g${i}`, at(0), at(1), { lazy: i % 2 === 0 }),
        ),
      ),
      Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.claim('twilio', `g${i}`, at(1), { request: request(`g${i}`), queue: true }),
        ),
      ),
    ]);
    expect(done).toHaveLength(20);
    // g0–g19 were claimed (in progress, or handled by then: duplicates); g20–g39 are new.
    expect(claims.slice(20).every((c) => c.status === 'queued')).toBe(true);
    expect(claims.slice(0, 20).every((c) => c.status !== 'queued' && c.status !== 'claimed')).toBe(
      true,
    );
    const rows = await db.kysely
      .selectFrom('webhook_events')
      .select(['event_id', 'state', 'body'])
      .where('org_id', '=', ORG)
      .execute();
    expect(rows).toHaveLength(40);
    for (const r of rows) {
      const n = Number(r.event_id.slice(1));
      expect(r.state).toBe(n < 20 ? 'handled' : 'queued');
      expect(r.body === null).toBe(n < 20);
    }
  });

  it('a lazy completion alone is written soon all the same', async () => {
    const db = await h.openMigrated();
    const ORG = await org(db, 'inbox-lazy');
    const store = createWebhookEventsRepo(db, ORG);
    await store.claim('twilio', 'l1', at(0), { request: request('l1'), queue: true });
    const [claimed] = await store.claimQueued(['twilio'], at(1), 1);
    await store.complete('twilio', 'l1', claimed!.token, at(2), { lazy: true });
    expect(await rowOf(db, ORG, 'l1')).toMatchObject({ state: 'handled', body: null });
  });

  it('a queued event survives a restart: the next server applies it once, then forgets its body', async () => {
    const db = await h.openMigrated();
    const ORG = await org(db, 'inbox-f');
    const body = '{"text":"I will pay Friday"}';
    const headers = {
      'content-type': 'application/json',
      'x-event-id': 'evt_restart',
      'x-signature': createHmac('sha256', 'k').update(body).digest('hex'),
    };
    // The first server stores the event under load and stops before applying it.
    let failing = true;
    const seenBefore: WebhookEvent[] = [];
    const clock = fixedClock(T0);
    const appOf = (handled: WebhookEvent[], fail: () => boolean) =>
      buildApp({
        health: createHealthRepo(db, ORG),
        metrics: createStorageMetrics(db, ORG, { clock }),
        webhooks: createWebhookRegistry([connector(handled, fail)]),
        webhookEvents: createWebhookEventsRepo(db, ORG),
        webhookInbox: { inlineLimit: 0, retryDelayMs: () => 0, maxAttempts: 1000 },
        auth: createApiTokenAuth(db),
        clock,
      });
    const before = await appOf(seenBefore, () => failing);
    const r = await before.inject({
      method: 'POST',
      url: '/webhooks/hmactest',
      headers,
      payload: body,
    });
    expect(r.json()).toEqual({
      received: true,
      duplicate: false,
      eventId: 'evt_restart',
      queued: true,
    });
    const stored = await rowOf(db, ORG, 'evt_restart');
    expect(stored.body?.toString()).toBe(body);
    expect(JSON.parse(stored.headers!)).toMatchObject({ 'x-event-id': 'evt_restart' });
    await before.close();
    // Left queued (its handling kept failing until the server stopped).
    await vi.waitFor(async () =>
      expect((await rowOf(db, ORG, 'evt_restart')).state).toBe('queued'),
    );
    expect(seenBefore).toEqual([]);

    failing = false;
    const handled: WebhookEvent[] = [];
    const after = await appOf(handled, () => false);
    try {
      await vi.waitFor(async () =>
        expect((await rowOf(db, ORG, 'evt_restart')).state).toBe('handled'),
      );
      expect(handled.map((e) => e.eventId)).toEqual(['evt_restart']);
      expect(handled[0]!.body).toEqual({ text: 'I will pay Friday' });
      expect(handled[0]!.rawBody.toString()).toBe(body);
      expect(await rowOf(db, ORG, 'evt_restart')).toMatchObject({
        body: null,
        headers: null,
        url: null,
      });
      const replay = await after.inject({
        method: 'POST',
        url: '/webhooks/hmactest',
        headers,
        payload: body,
      });
      expect(replay.json()).toMatchObject({ duplicate: true });
      expect(handled).toHaveLength(1);
      const metrics = (await after.inject({ url: '/metrics' })).body;
      expect(metrics).toContain('arrears_webhook_inbox_events{state="queued"} 0');
    } finally {
      await after.close();
    }
  });

  it('migrates the rows of before the inbox: handled ones handled, open claims claimed', async () => {
    const db = await h.open();
    const migrator = new Migrator({ db: db.kysely, provider: migrationProvider(db.dialect) });
    const { error } = await migrator.migrateTo('0016-scan-due-indexes');
    expect(error).toBeUndefined();
    const ORG = await org(db, 'inbox-old');
    const old = (id: string, handledAt: string | null) =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table of before 0017
      (db.kysely as any)
        .insertInto('webhook_events')
        .values({
          org_id: ORG,
          connector: 'twilio',
          event_id: id,
          received_at: at(0),
          claimed_at: at(0),
          handled_at: handledAt,
        })
        .execute() as Promise<unknown>;
    await old('old-done', at(1));
    await old('old-open', null);
    await migrateToLatest(db);
    expect(await rowOf(db, ORG, 'old-done')).toMatchObject({
      state: 'handled',
      attempts: 0,
      body: null,
    });
    expect(await rowOf(db, ORG, 'old-open')).toMatchObject({ state: 'claimed', attempts: 1 });
    const store = createWebhookEventsRepo(db, ORG);
    expect(await store.claim('twilio', 'old-done', at(2))).toEqual({ status: 'duplicate' });
    expect(await store.inboxCounts()).toEqual({ queued: 0, claimed: 1, failed: 0 });
  });
});
