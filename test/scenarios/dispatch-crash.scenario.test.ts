/**
 * SPEC 12: "killing a worker mid-send loses and duplicates nothing". On PostgreSQL, three
 * worker processes share one outbox and send to a local fake provider: SMS through an
 * idempotent HTTP sender (Idempotency-Key header), e-mail through a non-idempotent one.
 *
 *   1. the first worker caught sending an e-mail is killed (-9) while the provider holds
 *      the request: the provider acted, the worker never heard; it is restarted;
 *   2. then another worker caught sending an SMS is killed the same way and restarted.
 *
 * Afterwards every SMS had exactly one effect at the provider (the one re-sent after the
 * crash carried the same idempotency key and was deduplicated), every e-mail is `sent` or
 * `unknown` and reached the provider at most once, and nothing is left behind.
 *
 * Skipped like the `*.db.test.ts` suites when PostgreSQL is absent (fails instead with
 * ARREARS_REQUIRE_POSTGRES=1).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { verifyAudit } from '../../src/storage/repos/audit-repo.js';
import {
  DEFAULT_ORG_ID,
  ensureDefaultOrganisation,
} from '../../src/storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../../src/storage/repos/outbox-repo.js';
import { newItem } from '../../src/outbox/testing.js';
import { postgresProbe } from '../support/databases.js';
import {
  startFakeProvider,
  type FakeProvider,
  type FakeRequest,
} from '../support/fake-provider.js';

const ROOT = resolve(import.meta.dirname, '../..');
const probe = await postgresProbe();
const required = process.env.ARREARS_REQUIRE_POSTGRES === '1';

const ITEMS = 60;
const LEASE_MS = 1500;
const isEmail = (i: number) => i % 4 === 3;
const keyOf = (i: number) =>
  `L${String(i).padStart(3, '0')}:1:late-notice:${isEmail(i) ? 'email' : 'sms'}`;

async function maintenance(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const suite = probe.ok ? describe : required ? describe : describe.skip;
const title =
  probe.ok || required
    ? 'dispatch crash [postgres]'
    : `dispatch crash [postgres] — PostgreSQL suite skipped: ${probe.reason}`;

suite(title, () => {
  const database = `arrears_crash_${randomBytes(6).toString('hex')}`;
  let url = '';
  let db: Db | undefined;
  let fake: FakeProvider | undefined;
  const children = new Map<string, ChildProcess>();

  beforeAll(async () => {
    if (!probe.ok)
      throw new Error(`ARREARS_REQUIRE_POSTGRES=1 but PostgreSQL is unusable: ${probe.reason}`);
    await maintenance(probe.maintenanceUrl, `create database ${database}`);
    const u = new URL(probe.maintenanceUrl);
    u.pathname = `/${database}`;
    url = u.toString();
  });

  afterAll(async () => {
    for (const child of children.values()) child.kill('SIGKILL');
    await fake?.close();
    await db?.close();
    if (probe.ok)
      await maintenance(
        probe.maintenanceUrl,
        `drop database if exists ${database} with (force)`,
      ).catch(() => undefined);
  });

  function start(workerId: string): ChildProcess {
    const child = fork(resolve(ROOT, 'test/support/worker-child.ts'), [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        WORKER_DB: url,
        WORKER_PROVIDER_URL: fake!.url,
        WORKER_ID: workerId,
        WORKER_LEASE_MS: String(LEASE_MS),
        WORKER_INTERVAL_MS: '50',
        WORKER_BATCH: '5',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.set(workerId, child);
    return child;
  }

  it('kill -9 mid-send, twice: nothing lost, nothing delivered twice', async () => {
    db = await openDatabase(url);
    await migrateToLatest(db);
    await ensureDefaultOrganisation(db, new Date().toISOString());
    const repo = createOutboxRepo(db);
    const due = new Date(Date.now() - 1000).toISOString();
    await db.transaction((trx) =>
      repo.insertItems(
        trx,
        DEFAULT_ORG_ID,
        Array.from({ length: ITEMS }, (_, i) =>
          newItem(keyOf(i), {
            leaseId: `L${String(i).padStart(3, '0')}`,
            channel: isEmail(i) ? 'email' : 'sms',
            method: isEmail(i) ? 'email' : 'sms',
            approvalsRequired: 0,
            dueAt: due,
          }),
        ),
        'system:scan',
      ),
    );

    const kills: { worker: string; key: string; kind: 'email' | 'sms' }[] = [];
    const restarts: Promise<void>[] = [];
    const kill = (r: FakeRequest, kind: 'email' | 'sms') => {
      const worker = r.worker!;
      kills.push({ worker, key: r.key, kind });
      children.get(worker)!.kill('SIGKILL');
      children.delete(worker);
      // Restart it a little later, under a new id (a new process).
      restarts.push(
        new Promise((res) =>
          setTimeout(() => {
            start(`${worker}-restarted`);
            res();
          }, 200),
        ),
      );
    };
    fake = await startFakeProvider({
      delayMs: 80,
      onRequest: (r) => {
        if (!r.worker || !children.has(r.worker) || r.n > 1) return;
        const killedWorkers = new Set(kills.map((k) => k.worker));
        if (kills.length === 0 && r.key.endsWith(':email')) kill(r, 'email');
        else if (kills.length === 1 && r.key.endsWith(':sms') && !killedWorkers.has(r.worker))
          kill(r, 'sms');
      },
    });

    for (const id of ['w1', 'w2', 'w3']) start(id);

    // Wait until every item has reached a final outcome.
    const deadline = Date.now() + 90_000;
    let open = ITEMS;
    while (Date.now() < deadline) {
      const rows = await db.kysely
        .selectFrom('outbox')
        .select('status')
        .where('org_id', '=', DEFAULT_ORG_ID)
        .where('status', 'in', ['draft', 'approved', 'dispatching'])
        .execute();
      open = rows.length;
      if (open === 0 && kills.length === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await Promise.all(restarts);
    expect(open).toBe(0);
    expect(kills.map((k) => k.kind)).toEqual(['email', 'sms']);

    // Graceful stop of the workers still running: exit code 0.
    const exits = [...children.values()].map(
      (child) => new Promise<number | null>((res) => child.once('exit', (code) => res(code))),
    );
    for (const child of children.values()) child.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
    children.clear();

    const items = new Map(
      (await repo.list(DEFAULT_ORG_ID, { limit: 1000 })).items.map((i) => [i.key, i]),
    );
    expect(items.size).toBe(ITEMS);
    for (let i = 0; i < ITEMS; i++) {
      const key = keyOf(i);
      const item = items.get(key)!;
      const requests = fake.requests.get(key) ?? 0;
      if (!isEmail(i)) {
        // Exactly once: sent, one effect at the provider, every request with the same key.
        expect({ key, status: item.status, effects: fake.effects.get(key) }).toEqual({
          key,
          status: 'sent',
          effects: 1,
        });
        expect(item.provider).toBe('fake-api');
        for (const r of fake.log.filter((l) => l.key === key)) expect(r.idempotencyKey).toBe(key);
      } else {
        // At most once: never a second request; sent, or unknown for a human to resolve.
        expect(requests, key).toBeLessThanOrEqual(1);
        expect(['sent', 'unknown'], key).toContain(item.status);
        if (item.status === 'sent') expect(requests, key).toBe(1);
      }
    }
    // The e-mail whose worker died mid-send is unknown (it did reach the provider once).
    const lostEmail = items.get(kills[0]!.key)!;
    expect(lostEmail).toMatchObject({
      status: 'unknown',
      reason: 'outcome_lost',
      provider: 'fake-smtp',
    });
    expect(fake.requests.get(kills[0]!.key)).toBe(1);
    // The SMS whose worker died mid-send was sent again after its claim expired, and the
    // provider deduplicated it: two requests, one effect.
    const resent = kills[1]!.key;
    expect(fake.requests.get(resent)).toBe(2);
    expect(fake.effects.get(resent)).toBe(1);
    expect(items.get(resent)).toMatchObject({ status: 'sent', attempts: 2 });
    const history = await db.kysely
      .selectFrom('outbox_transitions')
      .select(['to_status', 'actor', 'reason'])
      .where('org_id', '=', DEFAULT_ORG_ID)
      .where('key', '=', resent)
      .orderBy('seq')
      .execute();
    expect(
      history.map((t) => `${t.to_status} ${t.actor.split(':')[0]} ${t.reason ?? ''}`.trim()),
    ).toEqual([
      'approved system',
      'dispatching worker',
      'approved system lease_expired',
      'dispatching worker',
      'sent worker',
    ]);
    // Only the e-mail caught mid-send is unknown; the dead workers' other claims were re-sent.
    expect([...items.values()].filter((i) => i.status === 'unknown').map((i) => i.key)).toEqual([
      kills[0]!.key,
    ]);
    expect((await verifyAudit(db)).ok).toBe(true);
  }, 120_000);
});
