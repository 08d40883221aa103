/**
 * What operators do to outbox items beyond approving, on SQLite and PostgreSQL: settle an
 * item whose outcome is unknown (app/resolve-unknown.ts) and let the scan expire drafts that
 * were superseded or went stale (app/expire-stale-items.ts, storage/repos/outbox-expiry-repo.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import type { ApprovalDeps } from '../app/approve-action.js';
import { expireStaleItems } from '../app/expire-stale-items.js';
import { importJsonPortfolio } from '../app/import-portfolio.js';
import { fixedClock } from '../app/ports/clock.js';
import { resolveUnknown } from '../app/resolve-unknown.js';
import { scanPortfolio } from '../app/scan-portfolio.js';
import { InputError } from '../domain/errors.js';
import { parsePolicy } from '../domain/policy/read.js';
import { localToEpoch } from '../domain/time.js';
import { storesFor } from '../main.js';
import { iso, newItem, T0 } from '../outbox/testing.js';
import type { Db, DbTransaction } from './database.js';
import { readChain, verifyAudit } from './repos/audit-repo.js';
import { ensureOrganisation } from './repos/organisations-repo.js';
import { createOutboxExpiryRepo } from './repos/outbox-expiry-repo.js';
import { createOutboxRepo } from './repos/outbox-repo.js';
import { createUsersRepo } from './repos/users-repo.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');

let n = 0;
async function setUp(db: Db) {
  const org = `op-${++n}`;
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
    aud: await add('aud@x.com', 'auditor'),
  };
  return { org, deps, users, clock };
}

/** Items whose send started on a non-idempotent provider and whose worker died: `unknown`. */
async function unknownItems(db: Db, org: string, keys: string[]) {
  const repo = createOutboxRepo(db, fixedClock(T0));
  await db.transaction((trx) =>
    repo.insertItems(
      trx,
      org,
      keys.map((k) => newItem(k, { approvalsRequired: 0, channel: 'email', method: 'email' })),
      'system:scan',
    ),
  );
  expect((await repo.claimDue(org, 'dead', iso(T0), 50, 10_000)).claimed).toHaveLength(keys.length);
  for (const k of keys) await repo.beginSend(org, k, 'dead', 'smtp', iso(T0), 10_000);
  expect((await repo.claimDue(org, 'w2', iso(T0 + 20_000), 50, 10_000)).lost.sort()).toEqual(
    [...keys].sort(),
  );
}

async function transitions(db: Db, org: string, key: string) {
  const rows = await db.kysely
    .selectFrom('outbox_transitions')
    .select(['from_status', 'to_status', 'actor', 'reason'])
    .where('org_id', '=', org)
    .where('key', '=', key)
    .orderBy('seq')
    .execute();
  return rows.map((t) => `${t.from_status}→${t.to_status} ${t.actor} ${t.reason ?? ''}`.trim());
}

forEachDialect('resolving unknown outcomes', (h) => {
  it('sent, failed, resend and cancel move unknown to sent, failed, approved, cancelled; audited with who and why', async () => {
    const db = await h.openMigrated();
    const { org, deps, users } = await setUp(db);
    const keys = ['K-sent', 'K-failed', 'K-resend', 'K-cancel'];
    await unknownItems(db, org, keys);
    const outcomes = {
      'K-sent': 'sent',
      'K-failed': 'failed',
      'K-resend': 'resend',
      'K-cancel': 'cancel',
    };
    const expected = {
      'K-sent': 'sent',
      'K-failed': 'failed',
      'K-resend': 'approved',
      'K-cancel': 'cancelled',
    };
    for (const key of keys) {
      const r = await resolveUnknown(
        deps,
        org,
        users.admin,
        key,
        outcomes[key as keyof typeof outcomes],
        '  checked the SMTP log  ',
      );
      expect(r).toMatchObject({
        ok: true,
        from: 'unknown',
        outcome: outcomes[key as keyof typeof outcomes],
        item: {
          key,
          status: expected[key as keyof typeof expected],
          reason: 'checked the SMTP log',
        },
      });
      expect((await transitions(db, org, key)).at(-1)).toBe(
        `unknown→${expected[key as keyof typeof expected]} user:${users.admin.id} checked the SMTP log`,
      );
    }
    const audit = (await readChain(db, org)).filter((e) => e.subject === 'outbox:K-resend').at(-1)!;
    expect(audit).toMatchObject({
      type: 'outbox.approved',
      actor: `user:${users.admin.id}`,
      data: {
        from: 'unknown',
        to: 'approved',
        reason: 'checked the SMTP log',
        resolution: 'resend',
        role: 'admin',
      },
    });
    // Resent: the next dispatch pass claims it again.
    const claim = await deps.outbox.claimDue(org, 'w3', iso(T0 + 60_000), 10, 10_000);
    expect(claim.claimed.map((c) => c.key)).toEqual(['K-resend']);
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('anything but unknown is refused naming its status; bad input and read-only roles too', async () => {
    const db = await h.openMigrated();
    const { org, deps, users } = await setUp(db);
    await unknownItems(db, org, ['K1']);
    await db.transaction((trx) =>
      deps.outbox.insertItems(trx, org, [newItem('D1')], 'system:scan'),
    );
    const before = (await readChain(db, org)).length;
    expect(await resolveUnknown(deps, org, users.admin, 'D1', 'sent', 'r')).toEqual({
      ok: false,
      key: 'D1',
      code: 'conflict',
      message:
        'D1 is draft, not unknown; only an item whose outcome is unknown can be resolved (`arrears outbox --status unknown` lists them)',
    });
    expect(await resolveUnknown(deps, org, users.admin, 'nope', 'sent', 'r')).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    await expect(resolveUnknown(deps, org, users.admin, 'K1', 'delivered', ' ')).rejects.toThrow(
      InputError,
    );
    await expect(resolveUnknown(deps, org, users.admin, 'K1', 'delivered', 'r')).rejects.toThrow(
      '`delivered` is not an outcome; use one of sent, failed, resend, cancel',
    );
    await expect(resolveUnknown(deps, org, users.aud, 'K1', 'sent', 'r')).rejects.toThrow(
      'aud@x.com is an auditor, who may not resolve outbox items',
    );
    expect((await readChain(db, org)).length).toBe(before);
    // Once resolved it is no longer unknown.
    expect((await resolveUnknown(deps, org, users.admin, 'K1', 'sent', 'r')).ok).toBe(true);
    expect(await resolveUnknown(deps, org, users.admin, 'K1', 'cancel', 'r')).toMatchObject({
      ok: false,
      code: 'conflict',
      message: expect.stringContaining('K1 is sent, not unknown') as string,
    });
  });
});

/** An item of `stage` scheduled on `date` (its draft's date and due instant). */
const at = (date: string, stage: string, over = {}) => ({
  stage,
  payload: { template: stage, date, body: 'Hi' },
  dueAt: `${date}T16:00:00.000Z`,
  ...over,
});

forEachDialect('draft expiry', (h) => {
  it('superseded and stale drafts expire with their reason, history and audit; the rest stay', async () => {
    const db = await h.openMigrated();
    const { org, deps } = await setUp(db);
    await db.transaction((trx) =>
      deps.outbox.insertItems(
        trx,
        org,
        [
          newItem('L1:1:late-notice:sms', at('2026-10-15', 'late-notice')),
          newItem('L1:1:final-notice:letter', at('2026-10-18', 'final-notice')),
          newItem(
            'L1:1:late-fee:fee',
            at('2026-10-16', 'late-fee', { type: 'fee', approvalsRequired: 0 }),
          ),
          newItem('L1:1:reminder:sms', at('2026-10-16', 'reminder', { approvalsRequired: 0 })),
          newItem('L2:1:late-notice:sms', at('2026-10-01', 'late-notice', { leaseId: 'L2' })),
          newItem('L3:1:late-notice:sms', at('2026-10-19', 'late-notice', { leaseId: 'L3' })),
          newItem('L4:1:$restore:gate', at('2026-09-01', '$restore', { leaseId: 'L4' })),
        ],
        'system:scan',
      ),
    );
    const clock = fixedClock(Date.parse('2026-10-20T23:00:00Z'));
    const store = createOutboxExpiryRepo(db, clock);
    // Queued later stages supersede nothing (a catch-up scan queues several at once) …
    expect((await expireStaleItems({ clock, expiry: store }, { orgId: org })).expired).toEqual([
      { key: 'L2:1:late-notice:sms', reason: 'stale' },
    ]);
    // … one that went out does, for messages only: the fee stays.
    await db.kysely
      .updateTable('outbox')
      .set({ status: 'sent' })
      .where('org_id', '=', org)
      .where('key', '=', 'L1:1:final-notice:letter')
      .execute();
    const result = await expireStaleItems({ clock, expiry: store }, { orgId: org });
    expect(result.expired).toEqual([
      { key: 'L1:1:late-notice:sms', reason: 'superseded' },
      { key: 'L1:1:reminder:sms', reason: 'superseded' },
    ]);
    const status = async (key: string) => (await deps.outbox.get(org, key))!;
    expect(await status('L1:1:late-notice:sms')).toMatchObject({
      status: 'expired',
      reason: 'superseded',
    });
    expect(await status('L1:1:late-fee:fee')).toMatchObject({ status: 'approved' });
    expect(await status('L2:1:late-notice:sms')).toMatchObject({
      status: 'expired',
      reason: 'stale',
    });
    for (const key of ['L3:1:late-notice:sms', 'L4:1:$restore:gate'])
      expect((await status(key)).status).toBe('draft');
    expect(await transitions(db, org, 'L1:1:reminder:sms')).toEqual([
      'null→approved system:scan',
      'approved→expired system:scan superseded',
    ]);
    const audit = (await readChain(db, org)).filter(
      (e) => e.subject === 'outbox:L2:1:late-notice:sms',
    );
    expect(audit.at(-1)).toMatchObject({
      type: 'outbox.expired',
      actor: 'system:scan',
      at: '2026-10-20T23:00:00.000Z',
      data: { from: 'draft', to: 'expired', reason: 'stale' },
    });
    // Again: nothing left to expire.
    expect((await expireStaleItems({ clock, expiry: store }, { orgId: org })).expired).toEqual([]);
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('told what changed since the last expiry, it still finds a message superseded by a stage that went out since', async () => {
    const db = await h.openMigrated();
    const { org, deps } = await setUp(db);
    // Drafted (at T0) well before the last expiry …
    await db.transaction((trx) =>
      deps.outbox.insertItems(
        trx,
        org,
        [
          newItem('L1:1:late-notice:sms', at('2026-10-15', 'late-notice')),
          newItem(
            'L1:1:final-notice:sms',
            at('2026-10-18', 'final-notice', { approvalsRequired: 0 }),
          ),
          newItem('L2:1:late-notice:sms', at('2026-10-15', 'late-notice', { leaseId: 'L2' })),
        ],
        'system:scan',
      ),
    );
    const lastExpiry = iso(T0 + 60_000);
    const now = Date.parse('2026-10-20T23:00:00Z');
    const clock = fixedClock(now);
    const store = createOutboxExpiryRepo(db, clock);
    const expire = () =>
      expireStaleItems({ clock, expiry: store }, { orgId: org, at: now, changedSince: lastExpiry });
    expect((await expire()).expired).toEqual([]);
    // … then the final notice goes out (claimed for dispatch on its day, after the last expiry).
    const sentAt = Date.parse('2026-10-18T16:00:00Z');
    const dispatcher = createOutboxRepo(db, fixedClock(sentAt));
    expect((await dispatcher.claimDue(org, 'w1', iso(sentAt), 10, 60_000)).claimed).toHaveLength(1);
    expect((await expire()).expired).toEqual([
      { key: 'L1:1:late-notice:sms', reason: 'superseded' },
    ]);
    expect((await deps.outbox.get(org, 'L2:1:late-notice:sms'))!.status).toBe('draft');
  });

  it('an item that moved on between the read and the write is left alone', async () => {
    const db = await h.openMigrated();
    const { org, deps } = await setUp(db);
    await db.transaction((trx) =>
      deps.outbox.insertItems(trx, org, [newItem('K1', { approvalsRequired: 0 })], 'system:scan'),
    );
    await deps.outbox.claimDue(org, 'w1', iso(T0), 10, 60_000);
    const store = createOutboxExpiryRepo(db, fixedClock(T0));
    expect(
      await store.expire(org, [{ key: 'K1', reason: 'stale' }], 'system:scan', iso(T0)),
    ).toEqual([]);
    expect((await deps.outbox.get(org, 'K1'))!.status).toBe('dispatching');
  });

  it('the scan expires what is stale or superseded, reports `expired`, and keeps its counts', async () => {
    const db = await h.openMigrated();
    const org = `scan-${++n}`;
    await ensureOrganisation(db, { id: org, name: org, at: '2026-09-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse('2026-09-30T12:00:00Z'));
    const deps = { clock, ...storesFor(db), expiry: createOutboxExpiryRepo(db, clock) };
    await deps.policies.save(
      org,
      parsePolicy(
        readFileSync(resolve(EXAMPLES, 'policies/storage-ca.yaml'), 'utf8'),
        'storage-ca.yaml',
      ),
      'test',
      '2026-09-30T12:00:00.000Z',
    );
    await importJsonPortfolio(deps, {
      orgId: org,
      fileName: 'storage-ca.json',
      text: readFileSync(resolve(EXAMPLES, 'portfolios/storage-ca.json'), 'utf8'),
      format: 'json',
      actor: 'test',
    });
    const scan = (date: string) => {
      const at = localToEpoch(date, 23 * 60, 'America/Los_Angeles');
      clock.set(at);
      return scanPortfolio(deps, { orgId: org, at });
    };
    const first = await scan('2026-10-20');
    expect(first).toMatchObject({ expired: 0 });
    expect(first.queued).toBeGreaterThan(0);
    const drafts = (await createOutboxRepo(db).list(org, { status: ['draft', 'approved'] })).items;
    expect(drafts.length).toBeGreaterThan(0);
    // Nobody approves anything for three weeks.
    const later = await scan('2026-11-10');
    expect(Object.keys(later)).toEqual(
      expect.arrayContaining(['evaluated', 'queued', 'skipped', 'cancelled', 'expired']),
    );
    expect(later.expired).toBeGreaterThan(0);
    const expired = (await createOutboxRepo(db).list(org, { status: 'expired', limit: 1000 }))
      .items;
    expect(expired).toHaveLength(later.expired);
    for (const item of expired) expect(['superseded', 'stale']).toContain(item.reason);
    // Every draft of 10-20 was either expired, or cancelled / sent back by the scan.
    const still = (
      await createOutboxRepo(db).list(org, { status: ['draft', 'approved'], limit: 1000 })
    ).items.filter((i) => drafts.some((d) => d.key === i.key));
    expect(still).toEqual([]);
    expect((await verifyAudit(db)).ok).toBe(true);
  });
});
