/**
 * The operational scan against a real database, on SQLite and PostgreSQL: it queues exactly
 * what `simulate` plans, never twice, and evaluates only what changed or came due.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { importJsonPortfolio } from '../../src/app/import-portfolio.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import { recordEvents } from '../../src/app/record-events.js';
import { scanPortfolio } from '../../src/app/scan-portfolio.js';
import { addDays } from '../../src/domain/dates.js';
import { simulate } from '../../src/domain/evaluator/simulate.js';
import { parsePolicy } from '../../src/domain/policy/read.js';
import { parsePortfolio } from '../../src/domain/portfolio/read.js';
import { eventsAtRest } from '../../src/domain/readiness/events-at-rest.js';
import { localToEpoch } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/database.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';
import { storesFor } from '../../src/main.js';
import { forEachDialect } from '../support/databases.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const portfolioText = readFileSync(resolve(EXAMPLES, 'portfolios/storage-ca.json'), 'utf8');
const policyText = readFileSync(resolve(EXAMPLES, 'policies/storage-ca.yaml'), 'utf8');
const TZ = 'America/Los_Angeles';
/** Just before local midnight: everything due that local day has come due. */
const endOfDay = (d: string) => localToEpoch(d, 23 * 60 + 59, TZ);

async function setUp(db: Db, orgId: string, policy = parsePolicy(policyText, 'storage-ca.yaml')) {
  await ensureOrganisation(db, { id: orgId, name: orgId, at: '2026-09-01T00:00:00.000Z' });
  const clock = fixedClock(Date.parse('2026-09-30T12:00:00Z'));
  const deps = { clock, ...storesFor(db) };
  await deps.policies.save(orgId, policy, 'test', '2026-09-30T12:00:00.000Z');
  await importJsonPortfolio(deps, {
    orgId,
    fileName: 'storage-ca.json',
    text: portfolioText,
    format: 'json',
    actor: 'test',
  });
  const scan = (at: number, full = false) => {
    clock.set(at);
    return scanPortfolio(deps, { orgId, at, full });
  };
  return { deps, clock, scan };
}

async function outboxKeys(db: Db, orgId: string): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('outbox')
    .select('key')
    .where('org_id', '=', orgId)
    .orderBy('key')
    .execute();
  return rows.map((r) => r.key);
}

/** Every outbox row simulate implies: due and skipped actions, one per delivery. */
function simulatedKeys(from: string, to: string): string[] {
  const result = simulate(
    parsePortfolio(portfolioText, 'storage-ca.json'),
    [parsePolicy(policyText, 'storage-ca.yaml')],
    from,
    to,
  );
  const keys: string[] = [];
  for (const a of result.actions) {
    if (a.status === 'cancelled') continue;
    if (a.deliveries?.length) for (const d of a.deliveries) keys.push(d.key);
    else keys.push(a.key);
  }
  return [...new Set(keys)].sort();
}

forEachDialect('scan', (h) => {
  it('a daily scan over 60 days queues exactly the keys simulate yields for the same data', async () => {
    const db = await h.openMigrated();
    const { scan } = await setUp(db, 'daily');
    const from = '2026-10-01';
    const to = addDays(from, 59);
    for (let d = from; d <= to; d = addDays(d, 1)) await scan(endOfDay(d));
    expect(await outboxKeys(db, 'daily')).toEqual(simulatedKeys(from, to));
  }, 120_000);

  it('scanning again, every minute or with every lease, queues nothing new', async () => {
    const db = await h.openMigrated();
    const { scan } = await setUp(db, 'again');
    const at = endOfDay('2026-10-16');
    await scan(endOfDay('2026-10-01'));
    const first = await scan(at);
    expect(first.queued).toBeGreaterThan(0);
    const before = await outboxKeys(db, 'again');
    const second = await scan(at + 20_000);
    expect(second).toMatchObject({ evaluated: 0, queued: 0, skipped: 0, cancelled: 0 });
    const full = await scan(at + 40_000, true);
    expect(full).toMatchObject({ evaluated: 14, queued: 0, skipped: 0 });
    expect(await outboxKeys(db, 'again')).toEqual(before);
  });

  it('a scan keeps the first changes in detail and counts the rest', async () => {
    const db = await h.openMigrated();
    const { deps, clock } = await setUp(db, 'capped');
    const at = endOfDay('2026-09-30');
    clock.set(at - 1);
    const all = await scanPortfolio(deps, { orgId: 'capped', at: at - 1, full: true });
    expect(all.changes.length).toBeGreaterThan(2);
    expect(all.changesOmitted).toBe(0);
    // The same leases again a day later, as if new: every lease has a change to report.
    await db.kysely.deleteFrom('lease_state').where('org_id', '=', 'capped').execute();
    clock.set(at);
    const capped = await scanPortfolio(deps, { orgId: 'capped', at, changesKept: 2 });
    expect(capped.changes).toHaveLength(2);
    expect(capped.changesOmitted).toBeGreaterThan(0);
    const last = await deps.state.lastScan('capped');
    expect(last?.changes).toEqual(JSON.parse(JSON.stringify(capped.changes)));
    expect(last?.counts).toMatchObject({ changesOmitted: capped.changesOmitted });
    // The same scan uncapped, and capped in batches of one lease (each batch told what is
    // still wanted): the same changes in the same order, the same count of the rest.
    const again = async (options: { changesKept?: number; batchSize?: number }) => {
      await db.kysely.deleteFrom('lease_state').where('org_id', '=', 'capped').execute();
      return scanPortfolio(deps, { orgId: 'capped', at, ...options });
    };
    const uncapped = await again({});
    expect(uncapped.changesOmitted).toBe(0);
    expect(uncapped.changes.slice(0, 2)).toEqual(capped.changes);
    expect(uncapped.changes).toHaveLength(2 + capped.changesOmitted);
    const oneByOne = await again({ batchSize: 1 });
    const batched = await again({ changesKept: 3, batchSize: 1 });
    expect(batched.changes).toEqual(oneByOne.changes.slice(0, 3));
    expect(batched.changesOmitted).toBe(oneByOne.changes.length - 3);
  });

  it('a batch read as a key range settles the same leases as the same batch read as a list', async () => {
    const db = await h.openMigrated();
    const { deps, scan } = await setUp(db, 'ranges');
    // Open cases, waiting drafts and closed cases by now.
    await scan(endOfDay('2026-10-01'));
    await scan(endOfDay('2026-10-16'));
    const ids = (await deps.portfolio.leaseIds('ranges')).sort();
    for (const today of ['2026-10-16', '2026-10-17', '2026-12-01']) {
      const settled = (contiguous: boolean) =>
        deps.state.settledLeases('ranges', ids, () => today, { contiguous });
      const asList = await settled(false);
      expect(asList.length).toBeGreaterThan(0);
      expect(asList.length).toBeLessThan(ids.length);
      expect(await settled(true)).toEqual(asList);
    }
  });

  it("changing a stage's day and scanning again creates no new key", async () => {
    const db = await h.openMigrated();
    const { deps, scan } = await setUp(db, 'edit');
    await scan(endOfDay('2026-10-01'));
    await scan(endOfDay('2026-10-12'));
    const before = await outboxKeys(db, 'edit');
    expect(before).toContain('S-102:1:late-fee:fee');
    const policy = parsePolicy(policyText, 'storage-ca.yaml');
    const edited = {
      ...policy,
      stages: policy.stages.map((s) => (s.id === 'late-fee' ? { ...s, day: s.day + 1 } : s)),
    };
    await deps.policies.save('edit', edited, 'test', '2026-10-12T23:00:00.000Z');
    const again = await scan(endOfDay('2026-10-12') + 20_000);
    expect(again.evaluated).toBe(14); // a policy change re-evaluates every lease it may govern
    expect(again.queued).toBe(0);
    expect(await outboxKeys(db, 'edit')).toEqual(before);
  });

  it('after one lease changes, a scan evaluates that lease (plus those due)', async () => {
    const db = await h.openMigrated();
    const { deps, scan } = await setUp(db, 'one');
    const at = endOfDay('2026-10-03');
    await scan(endOfDay('2026-10-01'));
    await scan(at);
    expect((await scan(at + 20_000)).evaluated).toBe(0);
    await recordEvents(
      deps,
      'one',
      [{ leaseId: 'S-103', date: '2026-10-03', type: 'flag', reason: 'called the office' }],
      'test',
      'test',
    );
    const next = await scan(at + 40_000);
    expect(next.evaluated).toBe(1);
  });

  it('a payment before dispatch cancels the pending items of the case (paid)', async () => {
    const db = await h.openMigrated();
    const { scan } = await setUp(db, 'paid');
    await scan(endOfDay('2026-10-01'));
    await scan(endOfDay('2026-10-06'));
    const pending = await db.kysely
      .selectFrom('outbox')
      .select(['key', 'status'])
      .where('org_id', '=', 'paid')
      .where('lease_id', '=', 'S-101')
      .execute();
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((p) => p.status === 'draft' || p.status === 'approved')).toBe(true);
    // S-101 pays on 10-08 (in the imported ledger): the scan of that day cancels the rest.
    const r = await scan(endOfDay('2026-10-08'));
    expect(r.cancelled).toBe(pending.length);
    const after = await db.kysely
      .selectFrom('outbox')
      .select(['status', 'reason'])
      .where('org_id', '=', 'paid')
      .where('lease_id', '=', 'S-101')
      .execute();
    expect(after.every((p) => p.status === 'cancelled' && p.reason === 'paid')).toBe(true);
  });

  it('a paid-up lease is settled from its balance alone, with its events; anything the evaluator must see is not', async () => {
    const db = await h.openMigrated();
    const orgId = 'settled';
    await ensureOrganisation(db, { id: orgId, name: orgId, at: '2026-09-01T00:00:00.000Z' });
    const { state } = storesFor(db);
    const portfolio = JSON.parse(portfolioText) as {
      tenants: { id: string }[];
      leases: { id: string; tenantIds: string[] }[];
      ledger: Record<string, unknown>[];
      events: Record<string, unknown>[];
      cases: unknown[];
    };
    const tenant = portfolio.tenants[0]!.id;
    const lease = (id: string) => ({ ...portfolio.leases[0]!, id, tenantIds: [tenant] });
    const rent = (leaseId: string, month: string, extra: Record<string, unknown> = {}) => ({
      id: `${leaseId}-R${month}`,
      leaseId,
      date: `2026-${month}-01`,
      type: 'charge',
      category: 'rent',
      amountCents: 10000,
      dueDate: `2026-${month}-01`,
      ...extra,
    });
    const paid = (leaseId: string, month: string, extra: Record<string, unknown> = {}) => ({
      id: `${leaseId}-P${month}`,
      leaseId,
      date: `2026-${month}-01`,
      type: 'payment',
      amountCents: 10000,
      ...extra,
    });
    const text = JSON.stringify({
      ...portfolio,
      leases: ['PAID', 'OWES', 'REVERSED', 'EARMARKED', 'FLAGGED', 'DISPUTED'].map(lease),
      ledger: [
        rent('PAID', '10'),
        paid('PAID', '10'),
        rent('PAID', '11'),
        rent('OWES', '10'),
        rent('REVERSED', '10'),
        paid('REVERSED', '10'),
        {
          id: 'REV-1',
          leaseId: 'REVERSED',
          date: '2026-10-03',
          type: 'reversal',
          amountCents: 10000,
          reverses: 'REVERSED-P10',
        },
        rent('EARMARKED', '10'),
        paid('EARMARKED', '10', { appliesTo: 'EARMARKED-R10' }),
        rent('FLAGGED', '10'),
        paid('FLAGGED', '10'),
        rent('DISPUTED', '10'),
        paid('DISPUTED', '10'),
      ],
      events: [
        { leaseId: 'FLAGGED', date: '2026-10-02', type: 'flag', reason: 'called' },
        { leaseId: 'DISPUTED', date: '2026-10-02', type: 'dispute' },
      ],
      cases: [],
    });
    const deps = { clock: fixedClock(Date.parse('2026-10-05T12:00:00Z')), ...storesFor(db) };
    await importJsonPortfolio(deps, {
      orgId,
      fileName: 'settled.json',
      text,
      format: 'json',
      actor: 'test',
    });
    const byLease = (a: { leaseId: string }, b: { leaseId: string }) =>
      a.leaseId < b.leaseId ? -1 : 1;
    const settled = (
      await state.settledLeases(
        orgId,
        ['PAID', 'OWES', 'REVERSED', 'EARMARKED', 'FLAGGED', 'DISPUTED'],
        () => '2026-10-05',
      )
    ).sort(byLease);
    // November's rent is on the ledger, dated later: the lease is looked at again then.
    // Leases with events come with them: a past flag is at rest (nothing is past due), a
    // dispute never released is not (its hold is still in force: the evaluator reports it).
    const flagged = { leaseId: 'FLAGGED', date: '2026-10-02', type: 'flag', reason: 'called' };
    const disputed = { leaseId: 'DISPUTED', date: '2026-10-02', type: 'dispute' };
    const noneDue = { timezone: TZ, balanceCents: 0, nextEntryDate: null, nextDueDate: null };
    expect(settled).toEqual([
      { leaseId: 'DISPUTED', ...noneDue, events: [disputed] },
      { leaseId: 'FLAGGED', ...noneDue, events: [flagged] },
      {
        leaseId: 'PAID',
        timezone: TZ,
        balanceCents: 0,
        nextEntryDate: '2026-11-01',
        nextDueDate: '2026-11-01',
      },
    ]);
    expect(settled.map((s) => !s.events || eventsAtRest(s.events, '2026-10-05'))).toEqual([
      false,
      true,
      true,
    ]);

    // An event that names only a tenant reaches each lease of that tenant: it comes with
    // them too (a paid-up lease of another tenant has none).
    await importJsonPortfolio(deps, {
      orgId,
      fileName: 'settled-tenant.json',
      text: JSON.stringify({
        ...portfolio,
        tenants: [...portfolio.tenants, { ...portfolio.tenants[0]!, id: 'T-CALLED' }],
        leases: [{ ...lease('CALLED'), tenantIds: ['T-CALLED'] }],
        ledger: [rent('CALLED', '10'), paid('CALLED', '10')],
        events: [{ tenantId: 'T-CALLED', date: '2026-10-02', type: 'flag', reason: 'called' }],
        cases: [],
      }),
      format: 'json',
      actor: 'test',
    });
    const withTenantEvent = (
      await state.settledLeases(orgId, ['CALLED', 'PAID'], () => '2026-10-05')
    ).sort(byLease);
    expect(withTenantEvent.map((s) => [s.leaseId, s.events?.map((e) => e.type)])).toEqual([
      ['CALLED', ['flag']],
      ['PAID', undefined],
    ]);
  });

  if (h.dialect === 'postgres')
    it('two scans in parallel processes never duplicate an outbox row', async () => {
      const db = await h.openMigrated();
      await setUp(db, 'default');
      const run = promisify(execFile);
      const cli = resolve(import.meta.dirname, '../support/cli-entry.ts');
      const args = ['--import', 'tsx', cli, 'scan', '--at', '2026-10-17T06:00:00Z', '--json'];
      const env = { ...process.env, ARREARS_DB: h.url };
      await run(process.execPath, [...args.slice(0, 4), '--at', '2026-10-02T06:00:00Z', '--json'], {
        env,
      });
      const results = await Promise.all([
        run(process.execPath, args, { env }),
        run(process.execPath, args, { env }),
      ]);
      const queued = results.map((r) => (JSON.parse(r.stdout) as { queued: number }).queued);
      const keys = await outboxKeys(db, 'default');
      expect(new Set(keys).size).toBe(keys.length);
      const rows = await db.kysely
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', 'default')
        .where('created_at', '>=', '2026-01-01')
        .executeTakeFirstOrThrow();
      expect(Number(rows.n)).toBe(keys.length);
      expect(queued[0]! + queued[1]!).toBeGreaterThan(0);
    }, 60_000);
});
