/**
 * The sync engine on every engine, against a scripted source: a full pull in two pages
 * (leases, then their ledger), then an incremental one; a changed invoice upserts; a page
 * that fails validation writes nothing; a crash re-pulls one page; the source's balances
 * are reconciled; lastSyncAt is recorded on the source every lease names.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { lateNoticePolicy } from '../../test/support/oak-court.js';
import { InputError } from '../domain/errors.js';
import { storesFor } from '../main.js';
import { connectorCursorsRepo } from '../storage/repos/connector-cursors-repo.js';
import { ensureOrganisation } from '../storage/repos/organisations-repo.js';
import { reportsRepo } from '../storage/repos/reports-repo.js';
import { importJsonPortfolio } from './import-portfolio.js';
import { fixedClock } from './ports/clock.js';
import type { DataSourcePort, SourcePage } from './ports/sources.js';
import { exceptionsFromStore, runReport } from './run-reports.js';
import { scanPortfolio } from './scan-portfolio.js';
import { syncSource, type SyncDeps } from './sync-source.js';

const HOUR = 3_600_000;
let orgs = 0;

const OAK_COURT = {
  id: 'P1',
  name: 'Oak Court',
  timezone: 'America/Los_Angeles',
  jurisdiction: 'US-CA',
  kind: 'residential',
};
const ANA = { id: 'src-t1', name: 'Ana Ruiz', email: 'ana@example.com', consent: { email: true } };
const LEASE = { id: 'src-l1', propertyId: 'P1', unit: '12B', tenantIds: ['src-t1'] };
const RENT = {
  id: 'src-c1',
  leaseId: 'src-l1',
  date: '2026-10-01',
  type: 'charge',
  category: 'rent',
  amountCents: 150000,
  dueDate: '2026-10-01',
};

/** A source answering scripted pages by cursor (`null` → `start`), recording each pull. */
function scripted(pages: Record<string, SourcePage | (() => SourcePage)>) {
  const pulls: (string | null)[] = [];
  const source: DataSourcePort = {
    pull(cursor) {
      pulls.push(cursor);
      const page = pages[cursor ?? 'start'];
      if (page === undefined) return Promise.reject(new Error(`no page after ${cursor}`));
      return Promise.resolve(typeof page === 'function' ? page() : page);
    },
  };
  return { source, pulls };
}

/** Page 1: the lease (its property is stored, not on the page); page 2: its rent. */
const FULL = {
  start: {
    tenants: [ANA],
    leases: [LEASE],
    balances: [{ leaseId: 'src-l1', balanceCents: 150000 }],
    cursor: 'c1',
    more: true,
  },
  c1: { ledger: [RENT], cursor: 'c2', more: false },
} satisfies Record<string, SourcePage>;

forEachDialect('sync a data source', (h) => {
  let ORG = '';
  async function setup() {
    const db = await h.openMigrated();
    // Each test its own organisation: the suite shares one database.
    ORG = `sync-${++orgs}`;
    await ensureOrganisation(db, { id: ORG, name: ORG, at: '2026-09-01T00:00:00.000Z' });
    const clock = fixedClock(Date.parse('2026-10-10T16:00:00Z'));
    const stores = storesFor(db);
    const deps: SyncDeps = {
      clock,
      portfolio: stores.portfolio,
      state: stores.state,
      cursors: connectorCursorsRepo(db, clock),
    };
    await importJsonPortfolio(
      { clock, portfolio: stores.portfolio, state: stores.state },
      {
        orgId: ORG,
        fileName: 'property.json',
        text: JSON.stringify({ properties: [OAK_COURT], tenants: [], leases: [], ledger: [] }),
        format: 'json',
        actor: 'test',
      },
    );
    await stores.policies.save(
      ORG,
      lateNoticePolicy(
        '{id: email, type: message, channel: email, template: late-notice, to: [tenant]}',
      ),
      'test',
      '2026-09-01T00:00:00.000Z',
    );
    const scan = () => scanPortfolio({ clock, ...stores }, { orgId: ORG });
    const readiness = async (leaseId: string) =>
      db.kysely
        .selectFrom('lease_state')
        .select(['readiness', 'readiness_reason'])
        .where('org_id', '=', ORG)
        .where('lease_id', '=', leaseId)
        .executeTakeFirstOrThrow();
    return { db, clock, stores, deps, scan, readiness };
  }

  it('a full pull in pages, then an incremental one: a changed invoice upserts, nothing is written twice', async () => {
    const { deps, stores, clock } = await setup();
    const full = scripted(FULL);
    const first = await syncSource(deps, { orgId: ORG, connectorId: 'src', source: full.source });
    expect(first).toEqual({
      pages: 2,
      saved: { tenants: 1, leases: 1, ledger: 1 },
      cursor: 'c2',
      mismatches: [],
    });
    expect(full.pulls).toEqual([null, 'c1']);
    expect(await deps.cursors.get(ORG, 'src', 'source')).toEqual({
      cursor: 'c2',
      lastRunAt: '2026-10-10T16:00:00.000Z',
      lastError: null,
    });
    const stored = await stores.portfolio.loadPortfolio(ORG, ['src-l1']);
    // The lease names its source (R8), and fields the source does not know got defaults.
    expect(stored.leases).toEqual([{ ...LEASE, rentCents: 0, tags: [], sourceId: 'src' }]);
    expect(stored.sources).toEqual([
      { id: 'src', kind: 'src', lastSyncAt: '2026-10-10T16:00:00.000Z' },
    ]);

    clock.advance(HOUR);
    const changed = scripted({
      c2: {
        ledger: [
          { ...RENT, amountCents: 160000 },
          {
            id: 'src-p1',
            leaseId: 'src-l1',
            date: '2026-10-10',
            type: 'payment',
            amountCents: 60000,
            appliesTo: 'src-c1',
          },
        ],
        balances: [{ leaseId: 'src-l1', balanceCents: 100000 }],
        cursor: 'c3',
        more: false,
      },
    });
    const second = await syncSource(deps, {
      orgId: ORG,
      connectorId: 'src',
      source: changed.source,
    });
    expect(changed.pulls).toEqual(['c2']);
    expect(second).toEqual({
      pages: 1,
      saved: { tenants: 0, leases: 0, ledger: 2 },
      cursor: 'c3',
      mismatches: [],
    });
    const after = await stores.portfolio.loadPortfolio(ORG, ['src-l1']);
    expect(after.ledger.find((e) => e.id === 'src-c1')!.amountCents).toBe(160000);
    expect(after.sources[0]!.lastSyncAt).toBe('2026-10-10T17:00:00.000Z');

    // `--full`: the stored cursor is ignored; the same rows again change nothing.
    const again = scripted(FULL);
    const third = await syncSource(deps, {
      orgId: ORG,
      connectorId: 'src',
      source: again.source,
      full: true,
    });
    expect(again.pulls).toEqual([null, 'c1']);
    expect(third.saved).toEqual({ tenants: 0, leases: 0, ledger: 1 }); // the rent back to 1500
  });

  it('keeps what staff imported that the source does not send', async () => {
    const { deps, stores, clock } = await setup();
    await syncSource(deps, { orgId: ORG, connectorId: 'src', source: scripted(FULL).source });
    await importJsonPortfolio(
      { clock, portfolio: stores.portfolio, state: stores.state },
      {
        orgId: ORG,
        fileName: 'terms.json',
        text: JSON.stringify({
          properties: [OAK_COURT],
          tenants: [{ ...ANA, phone: '+14155550101', language: 'es' }],
          leases: [{ ...LEASE, rentCents: 150000, tags: ['sensitive'], sourceId: 'src' }],
          ledger: [],
        }),
        format: 'json',
        actor: 'test',
      },
    );
    await syncSource(deps, {
      orgId: ORG,
      connectorId: 'src',
      source: scripted(FULL).source,
      full: true,
    });
    const p = await stores.portfolio.loadPortfolio(ORG, ['src-l1']);
    expect(p.leases[0]).toMatchObject({ rentCents: 150000, tags: ['sensitive'] });
    expect(p.tenants[0]).toMatchObject({ language: 'es', phone: '+14155550101' });
  });

  it('a page that fails validation stops the sync naming the record; nothing of it is written', async () => {
    const { deps, stores } = await setup();
    await syncSource(deps, { orgId: ORG, connectorId: 'src', source: scripted(FULL).source });
    const bad = scripted({
      c2: {
        ledger: [
          {
            id: 'src-c2',
            leaseId: 'src-l1',
            date: '2026-11-01',
            type: 'charge',
            amountCents: 150000,
            dueDate: '2026-11-01',
          },
          {
            id: 'src-c3',
            leaseId: 'src-l1',
            date: '2026-11-02',
            type: 'charge',
            amountCents: 2500,
          },
        ],
        cursor: 'c3',
        more: false,
      },
    });
    const error = await syncSource(deps, {
      orgId: ORG,
      connectorId: 'src',
      source: bad.source,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues).toEqual([
      {
        file: 'src page 1',
        path: 'ledger[1] (src-c3).dueDate',
        message: 'a charge needs a dueDate (YYYY-MM-DD); add the date the charge is due',
      },
    ]);
    const p = await stores.portfolio.loadPortfolio(ORG, ['src-l1']);
    expect(p.ledger.map((e) => e.id)).toEqual(['src-c1']);
    expect(await deps.cursors.get(ORG, 'src', 'source')).toMatchObject({
      cursor: 'c2',
      lastError: expect.stringContaining('src-c3'),
    });
  });

  it('a page naming a lease or property nobody has is refused', async () => {
    const { deps } = await setup();
    const orphan = scripted({
      start: {
        tenants: [ANA],
        leases: [{ ...LEASE, propertyId: 'P9' }],
        ledger: [{ ...RENT, id: 'src-c8', leaseId: 'src-l8' }],
        cursor: 'c1',
        more: false,
      },
    });
    const error = (await syncSource(deps, {
      orgId: ORG,
      connectorId: 'src',
      source: orphan.source,
    }).catch((e: unknown) => e)) as InputError;
    expect(error.issues.map((i) => i.path)).toEqual([
      'leases[0] (src-l1).propertyId',
      'ledger[0] (src-c8).leaseId',
    ]);
  });

  it('a crash between pages re-pulls only the page that was not saved', async () => {
    const { deps, stores } = await setup();
    let fail = true;
    const flaky = scripted({
      ...FULL,
      c1: () => {
        if (fail) throw new Error('connection reset');
        return FULL.c1;
      },
    });
    await expect(
      syncSource(deps, { orgId: ORG, connectorId: 'src', source: flaky.source }),
    ).rejects.toThrow('connection reset');
    expect(await deps.cursors.get(ORG, 'src', 'source')).toMatchObject({
      cursor: 'c1',
      lastError: 'connection reset',
    });
    // Not synced to the end: no lastSyncAt yet.
    expect((await stores.portfolio.loadPortfolio(ORG, ['src-l1'])).sources).toEqual([]);
    fail = false;
    const result = await syncSource(deps, { orgId: ORG, connectorId: 'src', source: flaky.source });
    expect(flaky.pulls).toEqual([null, 'c1', 'c1']);
    expect(result.saved).toEqual({ tenants: 0, leases: 0, ledger: 1 });
  });

  it('a reversal of an entry never stored is dropped; a reversal without amount takes the entry’s', async () => {
    const { deps, stores } = await setup();
    await syncSource(deps, { orgId: ORG, connectorId: 'src', source: scripted(FULL).source });
    const voids = scripted({
      c2: {
        ledger: [
          {
            id: 'src-c1-void',
            leaseId: 'src-l1',
            date: '2026-10-01',
            type: 'reversal',
            reverses: 'src-c1',
          },
          {
            id: 'src-p7-void',
            leaseId: 'src-l1',
            date: '2026-10-05',
            type: 'reversal',
            reverses: 'src-p7',
          },
        ],
        cursor: 'c3',
        more: false,
      },
    });
    await syncSource(deps, { orgId: ORG, connectorId: 'src', source: voids.source });
    const p = await stores.portfolio.loadPortfolio(ORG, ['src-l1']);
    expect(p.ledger.find((e) => e.id === 'src-c1-void')).toMatchObject({
      type: 'reversal',
      amountCents: 150000,
    });
    expect(p.ledger.some((e) => e.id === 'src-p7-void')).toBe(false);
  });

  it('a balance the source reports differently is a mismatch, blocks the lease at the next scan and shows on the delinquency list', async () => {
    const { deps, stores, scan, readiness, db, clock } = await setup();
    const pages = {
      ...FULL,
      start: { ...FULL.start, balances: [{ leaseId: 'src-l1', balanceCents: 100000 }] },
    };
    const result = await syncSource(deps, {
      orgId: ORG,
      connectorId: 'src',
      source: scripted(pages).source,
    });
    expect(result.mismatches).toEqual([{ leaseId: 'src-l1', ours: 150000, theirs: 100000 }]);
    await scan();
    expect(await readiness('src-l1')).toEqual({
      readiness: 'blocked',
      readiness_reason: expect.stringContaining('balance_mismatch'),
    });
    const report = await runReport({ clock, ...stores, reports: reportsRepo(db) }, ORG, {
      name: 'delinquency',
    });
    const row = (
      report.json as {
        rows: { leaseId: string; reasons: string[]; nextAction: { what: string; owner: string } }[];
      }
    ).rows.find((r) => r.leaseId === 'src-l1')!;
    expect(row.reasons[0]).toBe('balance_mismatch');
    expect(row.nextAction).toMatchObject({
      what: 'Reconcile the balance with the source system',
      owner: 'finance',
    });

    // The source corrects itself: the next sync clears the mismatch at the next scan.
    const fixed = scripted({
      c2: { balances: [{ leaseId: 'src-l1', balanceCents: 150000 }], cursor: 'c3', more: false },
    });
    expect(
      (await syncSource(deps, { orgId: ORG, connectorId: 'src', source: fixed.source })).mismatches,
    ).toEqual([]);
    await scan();
    expect((await readiness('src-l1')).readiness_reason ?? '').not.toContain('balance_mismatch');
  });

  // Needs GET /api/v1/exceptions to read the reported balances (app/run-reports.ts
  // exceptionsFromStore passes none to leaseReadiness today): see the sync report's diff.
  it('the mismatch is on the exception list (GET /api/v1/exceptions)', async () => {
    const { deps, stores, db } = await setup();
    const pages = {
      ...FULL,
      start: { ...FULL.start, balances: [{ leaseId: 'src-l1', balanceCents: 100000 }] },
    };
    await syncSource(deps, { orgId: ORG, connectorId: 'src', source: scripted(pages).source });
    const { rows } = await exceptionsFromStore(
      { ...stores, reported: reportsRepo(db) } as Parameters<typeof exceptionsFromStore>[0],
      ORG,
      '2026-10-10',
    );
    expect(rows).toContainEqual(
      expect.objectContaining({ leaseId: 'src-l1', code: 'balance_mismatch', amountCents: 50000 }),
    );
  });

  // R8 stale_ledger is not evaluated by the scan yet (nothing reads sources[].lastSyncAt):
  // see the sync report's diff. Everything it needs is stored by the sync (test above).
  it('a last sync older than staleLedgerHours holds the lease (stale_ledger) at the next scan', async () => {
    const { deps, scan, readiness, clock } = await setup();
    await syncSource(deps, { orgId: ORG, connectorId: 'src', source: scripted(FULL).source });
    await scan();
    expect((await readiness('src-l1')).readiness).toBe('ready');
    clock.advance(37 * HOUR); // the policy's staleLedgerHours is 36
    await scan();
    expect(await readiness('src-l1')).toEqual({ readiness: 'hold', readiness_reason: 'hold' });
    // A successful sync ends it.
    await syncSource(deps, {
      orgId: ORG,
      connectorId: 'src',
      source: scripted({ c2: { cursor: 'c3', more: false } }).source,
    });
    // A held lease is looked at again within the hour, and the hold is gone.
    clock.advance(HOUR);
    await scan();
    expect((await readiness('src-l1')).readiness).toBe('ready');
  });
});
