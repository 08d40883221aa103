/**
 * The HTTP app over the storage implementations of its ports, on every engine: readiness
 * from a real database, API tokens, webhook event ids, metrics from scans and the outbox.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { hmacTestConnector } from './testing.js';
import { fixedClock } from '../app/ports/clock.js';
import { createWebhookRegistry, type WebhookEvent } from '../app/ports/webhooks.js';
import type { Db } from '../storage/database.js';
import {
  API_TOKEN_PREFIX,
  createApiTokenAuth,
  hashApiToken,
  issueApiToken,
  revokeApiToken,
} from '../storage/repos/api-tokens-repo.js';
import { createHealthRepo, createStorageMetrics } from '../storage/repos/health-repo.js';
import { DEFAULT_ORG_ID, ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { createWebhookEventsRepo } from '../storage/repos/webhook-events-repo.js';
import { buildApp } from './app.js';

const ORG = DEFAULT_ORG_ID;
const NOW = Date.parse('2026-10-06T16:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3600_000;

async function appOver(db: Db, clock = fixedClock(NOW), handled: WebhookEvent[] = []) {
  const registry = createWebhookRegistry([hmacTestConnector(handled)]);
  return buildApp({
    health: createHealthRepo(db, ORG),
    metrics: createStorageMetrics(db, ORG, { clock }),
    webhooks: registry,
    webhookEvents: createWebhookEventsRepo(db, ORG),
    auth: createApiTokenAuth(db),
    clock,
    readiness: { timeZone: 'UTC' },
  });
}

async function addScan(db: Db, id: string, startedAt: number, finishedAt: number | null) {
  await db.kysely
    .insertInto('scans')
    .values({
      org_id: ORG,
      id,
      started_at: iso(startedAt),
      finished_at: finishedAt === null ? null : iso(finishedAt),
      as_of: iso(startedAt),
      counts: null,
    })
    .execute();
}

async function addOutboxItem(db: Db, key: string, status: string) {
  await db.kysely
    .insertInto('outbox')
    .values({
      org_id: ORG,
      key,
      lease_id: 'L1',
      episode: 1,
      stage: 's',
      action: 'a',
      type: 'message',
      channel: 'sms',
      method: null,
      contact_id: null,
      status,
      reason: null,
      policy_id: null,
      policy_version: null,
      amount_cents: null,
      claimed_by: null,
      claim_expires_at: null,
      provider: null,
      provider_id: null,
      due_at: iso(NOW),
      created_at: iso(NOW),
      updated_at: iso(NOW),
    })
    .execute();
}

// The tests of a suite share its database, in order.
forEachDialect('http over storage', (h) => {
  it('readyz: 503 until a scan finished, then 200 with outbox alerts as warnings', async () => {
    const db = await h.openMigrated();
    const app = await appOver(db);
    try {
      const before = await app.inject({ url: '/readyz' });
      expect(before.statusCode).toBe(503);
      expect(before.json()).toMatchObject({
        failing: ['scan'],
        checks: { database: { ok: true }, migrations: { ok: true, pending: [] } },
      });

      // A running scan does not count; a finished one does.
      await addScan(db, 'scan-1', NOW - 30 * HOUR, NOW - 29 * HOUR);
      await addScan(db, 'scan-2', NOW - 2 * HOUR, NOW - 2 * HOUR + 5000);
      await addScan(db, 'scan-3', NOW - 60_000, null);
      await addOutboxItem(db, 'k1', 'failed');
      await addOutboxItem(db, 'k2', 'unknown');
      await addOutboxItem(db, 'k3', 'unknown');
      await addOutboxItem(db, 'k4', 'draft');
      const after = await app.inject({ url: '/readyz' });
      expect(after.statusCode).toBe(200);
      expect(after.json().checks.scan).toMatchObject({
        ok: true,
        lastFinishedAt: iso(NOW - 2 * HOUR + 5000),
      });
      expect(after.json().warnings).toEqual([
        expect.objectContaining({ code: 'outbox_failed', count: 1 }),
        expect.objectContaining({ code: 'outbox_unknown', count: 2 }),
      ]);
    } finally {
      await app.close();
    }
  });

  it('readyz: 503 naming the migrations when one is not applied', async () => {
    const db = await h.openMigrated();
    const app = await appOver(db);
    const last = await db.kysely
      .selectFrom(sql<{ name: string; timestamp: string }>`kysely_migration`.as('m'))
      .selectAll()
      .orderBy('name', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    try {
      await sql`delete from kysely_migration where name = ${last.name}`.execute(db.kysely);
      const r = await app.inject({ url: '/readyz' });
      expect(r.statusCode).toBe(503);
      expect(r.json().failing).toEqual(['migrations']);
      expect(r.json().checks.migrations.pending).toEqual([last.name]);
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${last.name}, ${last.timestamp})`.execute(
        db.kysely,
      );
      await app.close();
    }
  });

  it('readyz: 503 naming the database when it is unreachable', async () => {
    const db = await h.openMigrated();
    const app = await appOver(db);
    try {
      await db.close();
      const r = await app.inject({ url: '/readyz' });
      expect(r.statusCode).toBe(503);
      expect(r.json().failing).toEqual(['database', 'migrations', 'scan']);
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('API tokens: stored hashed, resolve to the user, stop working once revoked', async () => {
    const db = await h.openMigrated();
    await ensureOrganisation(db, { id: 'other', name: 'Other', at: iso(NOW) });
    await db.kysely
      .insertInto('users')
      .values([
        {
          id: 'u-admin',
          org_id: ORG,
          email: 'ada@example.com',
          role: 'manager',
          password_hash: null,
          created_at: iso(NOW),
        },
        {
          id: 'u-odd',
          org_id: ORG,
          email: 'odd@example.com',
          role: 'janitor',
          password_hash: null,
          created_at: iso(NOW),
        },
      ])
      .execute();
    const issued = await issueApiToken(db, { orgId: ORG, userId: 'u-admin', at: iso(NOW) });
    expect(issued.token.startsWith(API_TOKEN_PREFIX)).toBe(true);
    expect(issued.token).toHaveLength(API_TOKEN_PREFIX.length + 43);
    const stored = await db.kysely.selectFrom('api_tokens').selectAll().execute();
    expect(stored).toEqual([
      {
        token_sha256: hashApiToken(issued.token),
        org_id: ORG,
        user_id: 'u-admin',
        created_at: iso(NOW),
        revoked_at: null,
      },
    ]);
    expect(JSON.stringify(stored)).not.toContain(issued.token);
    await expect(
      issueApiToken(db, { orgId: 'other', userId: 'u-admin', at: iso(NOW) }),
    ).rejects.toThrow('no user u-admin in organisation other');

    const app = await appOver(db);
    try {
      const me = await app.inject({
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${issued.token}` },
      });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toEqual({
        userId: 'u-admin',
        email: 'ada@example.com',
        role: 'manager',
        orgId: ORG,
        readOnly: false,
      });
      const odd = await issueApiToken(db, { orgId: ORG, userId: 'u-odd', at: iso(NOW) });
      const forbidden = await app.inject({
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${odd.token}` },
      });
      expect(forbidden.statusCode).toBe(403);

      expect(
        await revokeApiToken(db, { orgId: ORG, sha256: issued.sha256, at: iso(NOW + 1) }),
      ).toBe(true);
      expect(
        await revokeApiToken(db, { orgId: ORG, sha256: issued.sha256, at: iso(NOW + 2) }),
      ).toBe(false);
      const revoked = await app.inject({
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${issued.token}` },
      });
      expect(revoked.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('webhook event ids: claimed once, duplicates after, in progress while handled', async () => {
    const db = await h.openMigrated();
    const store = createWebhookEventsRepo(db, ORG, { staleAfterMs: 60_000 });
    const t = (s: number) => iso(NOW + s * 1000);
    const first = await store.claim('hmactest', 'e1', t(0));
    expect(first).toEqual({ status: 'claimed', token: t(0) });
    expect(await store.claim('hmactest', 'e1', t(1))).toEqual({ status: 'in_progress' });
    // Same id on another connector is another event.
    expect((await store.claim('other', 'e1', t(1))).status).toBe('claimed');
    // A claim older than the stale limit is taken over; the old token no longer completes.
    const taken = await store.claim('hmactest', 'e1', t(120));
    expect(taken).toEqual({ status: 'claimed', token: t(120) });
    await store.complete('hmactest', 'e1', t(0), t(121));
    expect(await store.claim('hmactest', 'e1', t(122))).toEqual({ status: 'in_progress' });
    await store.complete('hmactest', 'e1', t(120), t(123));
    expect(await store.claim('hmactest', 'e1', t(124))).toEqual({ status: 'duplicate' });
    // Released claims are forgotten; a released handled event is not.
    const e2 = await store.claim('hmactest', 'e2', t(0));
    if (e2.status !== 'claimed') throw new Error('expected a claim');
    await store.release('hmactest', 'e2', e2.token);
    expect((await store.claim('hmactest', 'e2', t(1))).status).toBe('claimed');
    await store.release('hmactest', 'e1', t(120));
    expect((await store.claim('hmactest', 'e1', t(200))).status).toBe('duplicate');
  });

  it('a webhook replay through the app is handled once', async () => {
    const db = await h.openMigrated();
    const handled: WebhookEvent[] = [];
    const app = await appOver(db, fixedClock(NOW), handled);
    const body = '{"id":"evt_42"}';
    const headers = {
      'content-type': 'application/json',
      'x-event-id': 'evt_42',
      'x-signature': createHmac('sha256', 'k').update(body).digest('hex'),
    };
    try {
      const send = () =>
        app.inject({ method: 'POST', url: '/webhooks/hmactest', headers, payload: body });
      expect((await send()).json()).toEqual({
        received: true,
        duplicate: false,
        eventId: 'evt_42',
      });
      expect((await send()).json()).toEqual({ received: true, duplicate: true, eventId: 'evt_42' });
      expect(handled).toHaveLength(1);
      const row = await db.kysely
        .selectFrom('webhook_events')
        .selectAll()
        .where('event_id', '=', 'evt_42')
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ connector: 'hmactest', org_id: ORG, handled_at: iso(NOW) });
    } finally {
      await app.close();
    }
  });

  it('metrics: queue depth now, each scan finished after start observed once', async () => {
    const db = await h.openMigrated();
    const clock = fixedClock(NOW + 10 * HOUR);
    const app = await appOver(db, clock);
    try {
      const before = (await app.inject({ url: '/metrics' })).body;
      // Earlier tests' scans finished before this app started: not observed.
      expect(before).toContain('arrears_scan_duration_seconds_count 0');
      expect(before).toContain('arrears_outbox_items{status="unknown"} 2');
      await addScan(db, 'scan-a', NOW + 10 * HOUR + 1000, NOW + 10 * HOUR + 4000);
      await addScan(db, 'scan-b', NOW + 10 * HOUR + 1000, NOW + 10 * HOUR + 4000);
      const r = (await app.inject({ url: '/metrics' })).body;
      expect(r).toContain('arrears_scan_duration_seconds_count 2');
      expect(r).toContain('arrears_scan_duration_seconds_sum 6');
      expect(r).toContain('arrears_metrics_source_up 1');
      const again = (await app.inject({ url: '/metrics' })).body;
      expect(again).toContain('arrears_scan_duration_seconds_count 2');
    } finally {
      await app.close();
    }
  });
});
