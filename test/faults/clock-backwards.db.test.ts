/**
 * Clocks that go backwards, on SQLite and PostgreSQL.
 *
 * `arrears scan --at` earlier than the last scan evaluates the portfolio as of that
 * instant and writes only keys that do not exist yet (R7 keys, unique per organisation):
 * an incremental scan finds nothing due then and writes nothing; `--full` drafts what was
 * due at that instant and is missing, touching no existing item, and the next scan at the
 * right time cancels or expires those drafts. A dispatcher whose clock steps back claims
 * nothing that is not due by its clock: nothing sent goes again, no retry comes early.
 * Workers whose clocks disagree by more than the claim lease take each other's claims
 * over, as after a crash: idempotent sends are repeated under their key, others are not
 * sent twice. And a change recorded after the host's clock stepped back is still seen by
 * the next incremental scan.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { importJsonPortfolio } from '../../src/app/import-portfolio.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import { recordPayment } from '../../src/app/record-payment.js';
import { scanPortfolio } from '../../src/app/scan-portfolio.js';
import { parsePolicy } from '../../src/domain/policy/read.js';
import { storesFor } from '../../src/main.js';
import { createDispatcher } from '../../src/outbox/dispatcher.js';
import { createHttpSender } from '../../src/outbox/http-sender.js';
import { senderRegistry } from '../../src/outbox/senders.js';
import { newItem, scriptedRecheck } from '../../src/outbox/testing.js';
import type { ScanCounts } from '../../src/app/ports/scan.js';
import type { Db } from '../../src/storage/database.js';
import { verifyAudit } from '../../src/storage/repos/audit-repo.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';
import { createOutboxRepo } from '../../src/storage/repos/outbox-repo.js';
import { cliAgainst } from '../support/cli.js';
import { forEachDialect, type DialectHarness } from '../support/databases.js';
import { startFakeProvider, type FakeProviderOptions } from '../support/fake-provider.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const iso = (ms: number) => new Date(ms).toISOString();

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Every outbox row of an organisation: key → `status reason attempts version`. */
async function outboxRows(db: Db, orgId: string): Promise<Map<string, string>> {
  const rows = await db.kysely
    .selectFrom('outbox')
    .select(['key', 'status', 'reason', 'attempts', 'version'])
    .where('org_id', '=', orgId)
    .orderBy('key')
    .execute();
  return new Map(
    rows.map((r) => [r.key, `${r.status} ${r.reason ?? '-'} a${r.attempts} v${r.version}`]),
  );
}

/** Keys that reached `sent` more than once (there must be none). */
async function sentTwice(db: Db, orgId: string): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('outbox_transitions')
    .select(['key', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .where('to_status', '=', 'sent')
    .groupBy('key')
    .execute();
  return rows.filter((r) => Number(r.n) > 1).map((r) => r.key);
}

async function provider(options: FakeProviderOptions = {}) {
  const fake = await startFakeProvider(options);
  closers.push(() => fake.close());
  return fake;
}

/** Items of an organisation of its own, approved and due at `dueAt`. */
async function approvedItems(h: DialectHarness, orgId: string, keys: string[], dueAt: number) {
  const db = await h.openMigrated();
  await ensureOrganisation(db, { id: orgId, name: orgId, at: iso(dueAt - 86_400_000) });
  const outbox = createOutboxRepo(db);
  await db.transaction((trx) =>
    outbox.insertItems(
      trx,
      orgId,
      keys.map((key) => {
        const [leaseId, , , channel] = key.split(':') as [string, string, string, string];
        return newItem(key, {
          leaseId,
          action: channel,
          channel,
          method: channel,
          approvalsRequired: 0,
          dueAt: iso(dueAt),
        });
      }),
      'system:scan',
    ),
  );
  return db;
}

forEachDialect('clock jumps backwards', (h) => {
  it('`scan --at` earlier than the last scan: nothing duplicated, nothing sent or queued is touched; it adds only what was due then, and the next scan expires it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arrears-clock-'));
    const { ok, run } = cliAgainst(() => ({ cwd: dir, db: h.url }));
    const db = await h.open();
    const policy = resolve(EXAMPLES, 'policies/storage-ca.yaml');
    const portfolio = resolve(EXAMPLES, 'portfolios/storage-ca.json');
    await ok('policy', 'apply', policy);
    await ok('import', portfolio);
    await ok('user', 'add', 'maria@example.com', '--role', 'manager');
    const scan = async (at: string, ...flags: string[]) =>
      JSON.parse(await ok('scan', '--at', at, ...flags, '--json')) as ScanCounts;
    const dispatch = async (at: string) =>
      JSON.parse(await ok('dispatch', '--at', at, '--json')) as Record<string, number>;

    // Oct 1 and Oct 16 (end of day in Pasadena), approve everything, dispatch on Oct 17.
    await scan('2026-10-02T06:59:00Z');
    await scan('2026-10-17T06:59:00Z');
    // (The lien-sale notice is refused: its pre-sale checklist is not done. The rest goes.)
    const approved = await run('approve', '--all', '--as', 'maria@example.com', '--json');
    expect((JSON.parse(approved.out) as { approved: unknown[] }).approved.length).toBeGreaterThan(
      0,
    );
    const sent = await dispatch('2026-10-17T17:00:00Z');
    expect(sent.sent).toBeGreaterThan(0);
    const before = await outboxRows(db, 'default');
    /**
     * Existing items stay as they were. The one change any scan makes whatever its date: a
     * draft message whose case moved on (a later stage went out) expires as superseded.
     */
    const untouched = (now: Map<string, string>) => {
      for (const [key, row] of before) {
        const after = now.get(key)!;
        if (after !== row)
          expect({ key, row, after }).toEqual({
            key,
            row: expect.stringMatching(/^(draft|approved) /),
            after: expect.stringMatching(/^expired superseded /),
          });
      }
    };

    // Back to Oct 3, incremental: only the leases whose ledger changed since (the fees
    // posted by the dispatch) are evaluated; nothing new was due for them then. The scan
    // says it is earlier than the last one.
    const backdated = await run('scan', '--at', '2026-10-04T06:59:00Z');
    expect(backdated.err).toContain(
      'warning: this scan is as of 2026-10-04T06:59:00.000Z, earlier than the last scan (as of 2026-10-17T06:59:00.000Z)',
    );
    expect(await scan('2026-10-04T06:59:00Z')).toMatchObject({
      queued: 0,
      skipped: 0,
      cancelled: 0,
    });
    const incremental = await outboxRows(db, 'default');
    expect([...incremental.keys()]).toEqual([...before.keys()]);
    untouched(incremental);

    // Back to Oct 3 with every lease: evaluated as of then; only keys that do not exist yet
    // are written, as drafts for a person to approve (those the case has moved past since
    // expire in the same scan).
    const full = await scan('2026-10-04T06:59:00Z', '--full');
    expect(full).toMatchObject({ evaluated: 14, cancelled: 0 });
    const after = await outboxRows(db, 'default');
    const added = [...after.keys()].filter((k) => !before.has(k));
    expect(added.length).toBe(full.queued + full.skipped);
    for (const key of added) expect(after.get(key)).toMatch(/^(draft|expired superseded) /);
    untouched(after);

    // A dispatcher a day behind finds nothing due: nothing sent goes again.
    expect(await dispatch('2026-10-16T17:00:00Z')).toMatchObject({ claimed: 0, sent: 0 });
    expect(await outboxRows(db, 'default')).toEqual(after);

    // The next scan at the right time cancels or expires the drafts of the past.
    await scan('2026-10-18T06:59:00Z');
    const last = await outboxRows(db, 'default');
    for (const key of added) expect(last.get(key)).toMatch(/^(cancelled|expired) /);
    for (const [key, row] of before)
      if (row.startsWith('sent ')) expect({ key, row: last.get(key) }).toEqual({ key, row });
    expect((await verifyAudit(db)).ok).toBe(true);
  }, 60_000);

  it('a dispatcher whose clock steps back an hour: nothing already sent goes again, no retry comes before its time', async () => {
    const T = Date.parse('2026-10-06T17:00:00.000Z');
    const keys = [0, 1, 2, 3, 4, 5].map((i) => `L${i}:1:late-notice:sms`);
    const db = await approvedItems(h, 'stepped', keys, T - 60_000);
    const clock = fixedClock(T + 3_600_000);
    // The provider sends every other item back with Retry-After: 10 minutes.
    const fake = await provider({
      script: (r) =>
        keys.indexOf(r.key) % 2 === 1 && r.n === 1
          ? { status: 429, headers: { 'retry-after': '600' } }
          : undefined,
    });
    const dispatcher = createDispatcher({
      outbox: createOutboxRepo(db, clock),
      clock,
      recheck: scriptedRecheck(),
      orgId: 'stepped',
      senders: senderRegistry({
        'message:sms': createHttpSender({
          id: 'fake-api',
          url: fake.url,
          idempotent: true,
          now: () => clock.now(),
        }),
      }),
    });
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 6, sent: 3, retried: 3 });
    const afterFirst = await outboxRows(db, 'stepped');

    clock.set(T); // NTP steps the host back an hour
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 0, reclaimed: 0, lost: 0 });
    clock.set(T + 3_600_000 + 599_000);
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 0 });
    expect(await outboxRows(db, 'stepped')).toEqual(afterFirst);
    expect(fake.log).toHaveLength(6);

    clock.set(T + 3_600_000 + 600_000);
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 3, sent: 3 });
    for (const key of keys) expect(fake.effects.get(key)).toBe(1);
    expect(await sentTwice(db, 'stepped')).toEqual([]);
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('two workers whose clocks disagree by more than the claim lease: claims are taken over as after a crash; one effect per SMS, no e-mail sent twice', async () => {
    const T = Date.parse('2026-10-06T17:00:00.000Z');
    const keys = [0, 1, 2, 3, 4, 5].map(
      (i) => `L${i}:1:late-notice:${i % 3 === 2 ? 'email' : 'sms'}`,
    );
    const db = await approvedItems(h, 'skewed', keys, T - 3_600_000);
    const behind = fixedClock(T - 600_000); // ten minutes slow; the claim lease is one
    const right = fixedClock(T);
    let second: Promise<unknown> | undefined;
    const fake = await provider({
      delayMs: 100,
      // While the slow worker waits on its first send, the other one runs a pass.
      onRequest: (r) => {
        if (r.worker === 'slow' && !second) second = workers.right.runOnce();
      },
    });
    const worker = (id: string, clock: typeof right) =>
      createDispatcher({
        outbox: createOutboxRepo(db, clock),
        clock,
        recheck: scriptedRecheck(),
        orgId: 'skewed',
        workerId: id,
        leaseMs: 60_000,
        senders: senderRegistry({
          'message:sms': createHttpSender({
            id: 'fake-api',
            url: fake.url,
            idempotent: true,
            headers: { 'x-worker': id },
          }),
          'message:email': createHttpSender({
            id: 'fake-smtp',
            url: fake.url,
            idempotent: false,
            headers: { 'x-worker': id },
          }),
        }),
      });
    const workers = { slow: worker('slow', behind), right: worker('right', right) };

    const slow = await workers.slow.runOnce();
    await second;
    // The other worker found the slow one's claims expired by its own clock and took them.
    expect(slow.conflicts).toBeGreaterThan(0);
    const items = await outboxRows(db, 'skewed');
    for (const key of keys) {
      expect(items.get(key)).toMatch(/^sent /);
      if (key.endsWith(':sms'))
        expect({ key, effects: fake.effects.get(key) }).toEqual({ key, effects: 1 });
      else expect({ key, requests: fake.requests.get(key) }).toEqual({ key, requests: 1 });
    }
    expect(await sentTwice(db, 'skewed')).toEqual([]);
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('a payment recorded after the host clock stepped back is still picked up by the next incremental scan', async () => {
    const db = await h.openMigrated();
    const orgId = 'ntp';
    await ensureOrganisation(db, { id: orgId, name: orgId, at: '2026-09-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse('2026-09-30T12:00:00Z'));
    const deps = { clock, ...storesFor(db) };
    const read = (name: string) => readFileSync(resolve(EXAMPLES, name), 'utf8');
    await deps.policies.save(
      orgId,
      parsePolicy(read('policies/storage-ca.yaml'), 'storage-ca.yaml'),
      'test',
      '2026-09-30T12:00:00.000Z',
    );
    await importJsonPortfolio(deps, {
      orgId,
      fileName: 'storage-ca.json',
      text: read('portfolios/storage-ca.json'),
      format: 'json',
      actor: 'test',
    });
    const T = Date.parse('2026-10-16T20:00:00Z');
    clock.set(T + 3_600_000); // the host's clock runs an hour fast when it scans
    await scanPortfolio(deps, { orgId });
    clock.set(T); // and is then corrected
    await recordPayment(
      deps,
      { orgId },
      { leaseId: 'S-102', id: 'PAY-1016', amountCents: 19500, date: '2026-10-16' },
      'office',
    );
    clock.set(T + 60_000);
    const next = await scanPortfolio(deps, { orgId });
    expect(next.evaluated).toBe(1);
    expect(new Set(next.changes.map((c) => c.leaseId))).toEqual(new Set(['S-102']));
  });
});
