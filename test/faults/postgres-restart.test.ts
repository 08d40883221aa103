/**
 * A PostgreSQL restart during dispatch, as the worker sees it. The shared server is never
 * restarted (other suites use it): the test database's backends are terminated
 * (`pg_terminate_backend`, what a restart does to every session), and for the time the
 * server is away a small TCP proxy in front of it refuses connections.
 *
 * A worker (the loop `arrears worker` runs) sends SMS through an idempotent HTTP sender and
 * e-mail through a non-idempotent one to a local fake provider. Each time:
 *
 *   - the pass that lost its connection fails with the driver's error, reported through
 *     `onError` (the CLI prints `pass N failed: …`), and the loop goes on;
 *   - answers the worker had received but not yet recorded are lost with the pass; once
 *     their claims expire the SMS are sent again under the same key (the provider
 *     deduplicates: one effect each) and an e-mail caught mid-record becomes `unknown`
 *     (`outcome_lost`) for a person, never sent twice;
 *   - every item ends `sent` or `unknown`, and the audit chain verifies.
 *
 * Skipped like the `*.db.test.ts` suites when PostgreSQL is absent (fails instead with
 * ARREARS_REQUIRE_POSTGRES=1).
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/app/ports/clock.js';
import { startFake } from '../../src/connectors/fake/fake-http.js';
import { createDispatcher } from '../../src/outbox/dispatcher.js';
import { createHttpSender } from '../../src/outbox/http-sender.js';
import { senderRegistry } from '../../src/outbox/senders.js';
import { newItem, scriptedRecheck } from '../../src/outbox/testing.js';
import { runWorker, type WorkerSummary } from '../../src/outbox/worker.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { verifyAudit } from '../../src/storage/repos/audit-repo.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../../src/storage/repos/outbox-repo.js';
import { postgresProbe } from '../support/databases.js';

const probe = await postgresProbe();
const required = process.env.ARREARS_REQUIRE_POSTGRES === '1';

const ITEMS = 16;
const LEASE_MS = 1000;
const isEmail = (i: number) => i % 4 === 3;
const keyOf = (i: number) =>
  `L${String(i).padStart(3, '0')}:1:late-notice:${isEmail(i) ? 'email' : 'sms'}`;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A provider that acts on a request as it arrives and deduplicates on `Idempotency-Key`
 * (a repeat gets the first answer, no new effect), as test/support/fake-provider.ts does;
 * and `gate(key)` may hold an answer back until the test has done its part (taken a lock,
 * cut the server off), so the fault lands at the same point of the pass every time.
 */
async function gatedProvider(gate: (key: string) => Promise<unknown> | undefined) {
  const requests = new Map<string, number>();
  const effects = new Map<string, number>();
  const log: { key: string; idempotencyKey: string | null }[] = [];
  const answered = new Map<string, string>();
  let ids = 0;
  const fake = await startFake(async (req, reply) => {
    const key = (req.json as { key?: string } | undefined)?.key ?? '';
    const header = req.headers['idempotency-key'];
    const idempotencyKey = typeof header === 'string' ? header : null;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    log.push({ key, idempotencyKey });
    let id = idempotencyKey === null ? undefined : answered.get(idempotencyKey);
    if (id === undefined) {
      effects.set(key, (effects.get(key) ?? 0) + 1);
      id = `fk_${++ids}`;
      if (idempotencyKey !== null) answered.set(idempotencyKey, id);
    }
    await gate(key);
    await new Promise((r) => setTimeout(r, 20));
    reply.json(201, { id });
  });
  return { url: `${fake.url}/messages`, requests, effects, log, close: fake.close };
}
type GatedProvider = Awaited<ReturnType<typeof gatedProvider>>;

/** A TCP proxy to PostgreSQL that can drop every connection and refuse new ones for a while. */
async function pgProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => {
            sockets.delete(s);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    /** The server goes away: open connections drop, new ones are refused. */
    async cut() {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        server?.listening ? server.close(() => resolve()) : resolve(),
      );
    },
  };
}

const suite = probe.ok ? describe : required ? describe : describe.skip;
const title =
  probe.ok || required
    ? 'postgres restart during dispatch [postgres]'
    : `postgres restart during dispatch [postgres] — PostgreSQL suite skipped: ${probe.reason}`;

suite(title, () => {
  const database = `arrears_restart_${randomBytes(6).toString('hex')}`;
  let url = '';
  let db: Db | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    if (!probe.ok)
      throw new Error(`ARREARS_REQUIRE_POSTGRES=1 but PostgreSQL is unusable: ${probe.reason}`);
    await withClient(probe.maintenanceUrl, (c) => c.query(`create database ${database}`));
    const u = new URL(probe.maintenanceUrl);
    u.pathname = `/${database}`;
    url = u.toString();
    db = await openDatabase(url);
    await migrateToLatest(db);
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await db?.close();
    if (probe.ok)
      await withClient(probe.maintenanceUrl, (c) =>
        c.query(`drop database if exists ${database} with (force)`),
      ).catch(() => undefined);
  });

  /** What a restart does to every session of the test database but the caller's own. */
  const terminateBackends = (client: pg.Client) =>
    client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );

  /** `ITEMS` items of one organisation, due now, and a worker on `workerUrl` sending them. */
  async function scenario(orgId: string, fake: GatedProvider, workerUrl: string) {
    await ensureOrganisation(db!, { id: orgId, name: orgId, at: new Date().toISOString() });
    const repo = createOutboxRepo(db!);
    const due = new Date(Date.now() - 1000).toISOString();
    await db!.transaction((trx) =>
      repo.insertItems(
        trx,
        orgId,
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
    const workerDb = await openDatabase(workerUrl);
    cleanups.push(() => workerDb.close());
    const dispatcher = createDispatcher({
      outbox: createOutboxRepo(workerDb),
      clock: systemClock,
      recheck: scriptedRecheck(),
      workerId: `w-${orgId}`,
      orgId,
      senders: senderRegistry({
        'message:sms': createHttpSender({ id: 'fake-api', url: fake.url, idempotent: true }),
        'message:email': createHttpSender({ id: 'fake-smtp', url: fake.url, idempotent: false }),
      }),
      leaseMs: LEASE_MS,
      batchSize: 4,
    });
    const errors: string[] = [];
    const controller = new AbortController();
    const worker: Promise<WorkerSummary> = runWorker(dispatcher, {
      signal: controller.signal,
      intervalMs: 50,
      onError: (e) => errors.push(e instanceof Error ? e.message : String(e)),
    });

    /** Waits until every item is sent or unknown (the observer's own queries may be cut too). */
    const settled = async () => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const open = await db!.kysely
          .selectFrom('outbox')
          .select('key')
          .where('org_id', '=', orgId)
          .where('status', 'in', ['draft', 'approved', 'dispatching'])
          .execute()
          .catch(() => undefined);
        if (open?.length === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      controller.abort();
      const summary = await worker;
      const items = new Map((await repo.list(orgId, { limit: 1000 })).items.map((i) => [i.key, i]));
      return { summary, items };
    };
    const history = async (key: string) =>
      (
        await db!.kysely
          .selectFrom('outbox_transitions')
          .select(['to_status', 'actor', 'reason'])
          .where('org_id', '=', orgId)
          .where('key', '=', key)
          .orderBy('seq')
          .execute()
      ).map((t) => `${t.to_status} ${t.actor.split(':')[0]} ${t.reason ?? ''}`.trim());
    return { errors, settled, history };
  }

  /** Exactly once per SMS, at most once per e-mail, nothing left open. */
  function expectNothingLostOrTwice(
    fake: GatedProvider,
    items: Map<string, { status: string }>,
    unknown: string[],
  ) {
    expect(items.size).toBe(ITEMS);
    for (let i = 0; i < ITEMS; i++) {
      const key = keyOf(i);
      const status = items.get(key)!.status;
      if (isEmail(i)) {
        expect({ key, requests: fake.requests.get(key) }).toEqual({ key, requests: 1 });
        expect({ key, status }).toEqual({
          key,
          status: unknown.includes(key) ? 'unknown' : 'sent',
        });
      } else {
        expect({ key, status, effects: fake.effects.get(key) }).toEqual({
          key,
          status: 'sent',
          effects: 1,
        });
        for (const r of fake.log.filter((l) => l.key === key)) expect(r.idempotencyKey).toBe(key);
      }
    }
  }

  it('every backend is terminated while the worker records what the provider answered', async () => {
    const orgId = 'terminated';
    // A session of our own holds the organisation's audit head from the first send on, so
    // the worker's first write of an answer (the e-mail's: SMS answers wait for the end of
    // the batch) is in flight, waiting, when the backends are terminated.
    const holder = new pg.Client({ connectionString: url });
    holder.on('error', () => undefined);
    await holder.connect();
    cleanups.push(() => holder.end());
    let held: Promise<unknown> | undefined;
    const fake = await gatedProvider((key) => {
      if (held || key !== keyOf(0)) return undefined;
      return (held = holder
        .query('begin')
        .then(() =>
          holder.query('update organisations set audit_seq = audit_seq where id = $1', [orgId]),
        ));
    });
    cleanups.push(() => fake.close());
    const s = await scenario(orgId, fake, url);

    // The restart: as soon as the worker's write waits on the lock, every backend goes.
    await withClient(probe.ok ? probe.maintenanceUrl : '', async (watcher) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await watcher.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'",
          [database],
        );
        if (rows[0]!.n > 0) break;
        if (Date.now() > deadline) throw new Error('the worker never waited on the lock');
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    const { rows } = await terminateBackends(holder);
    expect(rows.length).toBeGreaterThan(0);
    await holder.query('rollback');
    await holder.end();

    const { summary, items } = await s.settled();
    // The pass that lost its connection failed with the driver's error; later passes worked.
    expect(summary.errors).toBeGreaterThan(0);
    expect(s.errors.join('\n')).toMatch(/terminat|connection/i);
    expect(summary.passes).toBeGreaterThan(summary.errors);
    // The e-mail whose answer was being recorded is unknown: it reached the provider once
    // and is left for a person, not sent again.
    const lost = keyOf(3);
    expectNothingLostOrTwice(fake, items, [lost]);
    expect(items.get(lost)).toMatchObject({ status: 'unknown', reason: 'outcome_lost' });
    expect(await s.history(lost)).toEqual([
      'approved system',
      'dispatching worker',
      'unknown system outcome_lost',
    ]);
    // The SMS answered before it in the same batch were recorded by the failing pass if a
    // connection was still to be had, else sent again under their key once their claims
    // expired: one effect either way.
    for (const key of [keyOf(0), keyOf(1), keyOf(2)]) {
      const again = [
        'approved system',
        'dispatching worker',
        'approved system lease_expired',
        'dispatching worker',
        'sent worker',
      ];
      const once = ['approved system', 'dispatching worker', 'sent worker'];
      expect(await s.history(key)).toEqual(fake.requests.get(key) === 2 ? again : once);
    }
    expect((await verifyAudit(db!)).ok).toBe(true);
  }, 30_000);

  it('the server is away for a while: connections refused, then the worker carries on', async () => {
    const orgId = 'away';
    const proxy = await pgProxy(new URL(url));
    cleanups.push(() => proxy.close());
    const viaProxy = new URL(url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    // Cut while the worker waits on the provider for the first SMS of its second batch;
    // the server stays away until the worker has failed three passes.
    let cut: Promise<unknown> | undefined;
    const fake = await gatedProvider((key) => {
      if (cut || key !== keyOf(4)) return undefined;
      return (cut = proxy.cut().then(() => withClient(url, terminateBackends)));
    });
    cleanups.push(() => fake.close());
    const s = await scenario(orgId, fake, viaProxy.toString());
    const deadline = Date.now() + 10_000;
    while (s.errors.length < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await proxy.restore();

    const { summary, items } = await s.settled();
    expect(summary.errors).toBeGreaterThan(0);
    expect(s.errors.join('\n')).toMatch(/ECONNREFUSED|terminat|connection/i);
    expect(summary.passes).toBeGreaterThan(summary.errors);
    expectNothingLostOrTwice(fake, items, []);
    // The SMS in flight at the cut went out twice under its key and took effect once.
    expect(fake.requests.get(keyOf(4))).toBe(2);
    expect(await s.history(keyOf(4))).toContain('approved system lease_expired');
    expect((await verifyAudit(db!)).ok).toBe(true);
  }, 30_000);
});
