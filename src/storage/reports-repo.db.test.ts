/**
 * The reports' reads (repos/reports-repo.ts) and `runReport` (app/run-reports.ts) on SQLite
 * and PostgreSQL: the fixture portfolio written to a database gives exactly the reports the
 * pure builders compute from the fixture in memory (whose figures reports.test.ts checks by
 * hand), each organisation sees only its own rows, and `--at` defaults to the properties'
 * local today.
 */
import { beforeAll, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { saveFixture } from '../../test/support/report-fixture-db.js';
import {
  AS_OF,
  fixtureData,
  ORGANISATION,
  OUTBOX,
  PERIOD,
  PROOFS,
  TASKS,
  TRANSITIONS,
} from '../../test/support/report-fixture.js';
import { fixedClock } from '../app/ports/clock.js';
import { agingFromStore, REPORT_NAMES, runReport, type RunReportDeps } from '../app/run-reports.js';
import { InputError } from '../domain/errors.js';
import { agingReport } from '../domain/reports/aging-report.js';
import { collectionsReport } from '../domain/reports/collections-report.js';
import { delinquencyReport } from '../domain/reports/delinquency-report.js';
import { feesReport } from '../domain/reports/fees-report.js';
import { noticesReport } from '../domain/reports/notices-report.js';
import { ownerReport } from '../domain/reports/owner-report.js';
import { pipelineReport } from '../domain/reports/pipeline-report.js';
import { promisesReport } from '../domain/reports/promises-report.js';
import { weeklyReport } from '../domain/reports/weekly-report.js';
import type { Db } from './database.js';
import { policyStore } from './repos/policies-repo.js';
import { portfolioStore } from './repos/portfolio-repo.js';
import { reportsRepo } from './repos/reports-repo.js';
import { scanStateStore } from './repos/scan-state-repo.js';

const data = fixtureData();
const expected: Record<(typeof REPORT_NAMES)[number], unknown> = {
  aging: agingReport(data.portfolio, AS_OF),
  delinquency: delinquencyReport(data, AS_OF),
  pipeline: pipelineReport(data, AS_OF),
  promises: promisesReport(data, PERIOD, AS_OF),
  collections: collectionsReport(data, PERIOD),
  notices: noticesReport(data, PERIOD),
  fees: feesReport(data, PERIOD),
  weekly: weeklyReport(data, PERIOD, AS_OF),
  owner: ownerReport(data, AS_OF),
};

/** 2026-12-15 12:00 in Los Angeles. */
const NOON = Date.parse('2026-12-15T20:00:00Z');

forEachDialect('reports', (h) => {
  let db: Db;
  const deps = (ms = NOON): RunReportDeps => ({
    portfolio: portfolioStore(db),
    policies: policyStore(db),
    state: scanStateStore(db),
    reports: reportsRepo(db),
    clock: fixedClock(ms),
  });

  beforeAll(async () => {
    db = await h.openMigrated();
    await saveFixture(db, 'org-a');
    // A second organisation with the same ids: its cases closed, its outbox history gone.
    await saveFixture(db, 'org-b');
    await db.kysely
      .updateTable('cases')
      .set({ closed: '2026-12-01', outcome: 'manual' })
      .where('org_id', '=', 'org-b')
      .execute();
    await db.kysely.deleteFrom('outbox_transitions').where('org_id', '=', 'org-b').execute();
  });

  it('reads back the fixture as the records the reports take', async () => {
    const repo = reportsRepo(db);
    expect(await repo.organisationName('org-a')).toBe(ORGANISATION);
    expect(await repo.cases('org-a')).toEqual(
      [...data.cases].sort((a, b) => (a.leaseId < b.leaseId ? -1 : 1)),
    );
    const byKey = <T extends { key: string }>(rows: T[]) =>
      [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    expect(await repo.outboxItems('org-a')).toEqual(byKey(OUTBOX));
    expect(await repo.outboxItems('org-a', ['fee'])).toEqual(
      byKey(OUTBOX.filter((i) => i.type === 'fee')),
    );
    expect(await repo.outboxItems('org-a', [])).toEqual([]);
    const all = await repo.transitions('org-a', {});
    expect(all).toHaveLength(TRANSITIONS.length);
    expect(await repo.transitions('org-a', { keys: ['L4:1:collections:agency'] })).toEqual([
      {
        key: 'L4:1:collections:agency',
        seq: 1,
        from: 'dispatching',
        to: 'sent',
        at: '2026-11-02T17:00:00.000Z',
        actor: 'worker:test',
        reason: null,
      },
    ]);
    const window = await repo.transitions('org-a', {
      between: { from: '2026-12-14T00:00:00.000Z', to: '2026-12-15T00:00:00.000Z' },
    });
    expect(window.map((t) => [t.key, t.to])).toEqual([
      ['L2:1:pay-or-quit:notice/T2/certified_mail', 'failed'],
      ['L3:1:pay-or-quit:notice/T3/certified_mail', 'cancelled'],
    ]);
    expect(await repo.proofs('org-a')).toEqual(PROOFS);
    expect(await repo.openTasks('org-a')).toEqual(TASKS);
    expect(await repo.reportedBalances('org-a')).toEqual([]);
    const scans = await repo.scans('org-a', {
      from: '2026-12-09T00:00:00.000Z',
      to: '2026-12-31T00:00:00.000Z',
    });
    expect(scans.map((s) => [s.id, s.changes.length])).toEqual([
      ['scan-b', 1],
      ['scan-c', 2],
    ]);
    expect(await repo.cases('org-none')).toEqual([]);
    expect(await repo.organisationName('org-none')).toBe('org-none');
  });

  for (const name of REPORT_NAMES)
    it(`report ${name}: from the database, the same as from the fixture`, async () => {
      const report = await runReport(deps(), 'org-a', { name, at: AS_OF });
      expect(report.json).toEqual(expected[name]);
      expect(report.organisation).toBe(ORGANISATION);
      expect(report.csv().split('\n').length).toBeGreaterThan(2);
      expect(report.document().title.length).toBeGreaterThan(0);
    });

  it('aging keeps the shape and figures of `report aging` before the other reports', async () => {
    const report = await runReport(deps(), 'org-a', { name: 'aging', at: AS_OF });
    expect(report.json).toEqual(await agingFromStore(deps(), 'org-a', AS_OF));
  });

  it('each organisation sees its own cases and outbox history', async () => {
    const pipeline = await runReport(deps(), 'org-b', { name: 'pipeline', at: AS_OF });
    expect(pipeline.json).toMatchObject({ totals: { cases: 0, pastDueCents: 0 } });
    const notices = await runReport(deps(), 'org-b', { name: 'notices', at: AS_OF });
    expect(notices.json).toMatchObject({ totals: { sent: 0 } });
    // The same ledger: the same aging.
    const aging = await runReport(deps(), 'org-b', { name: 'aging', at: AS_OF });
    expect(aging.json).toEqual(expected.aging);
  });

  it('--at defaults to today where the properties are; the period to the 7 days before', async () => {
    // 05:00Z on 12-16 is still 21:00 on 12-15 in Los Angeles.
    const late = Date.parse('2026-12-16T05:00:00Z');
    const owner = await runReport(deps(late), 'org-a', { name: 'owner' });
    expect(owner.at).toBe(AS_OF);
    expect(owner.json).toEqual(expected.owner);
    const notices = await runReport(deps(late), 'org-a', { name: 'notices' });
    expect(notices.period).toEqual(PERIOD);
    expect(notices.json).toEqual(expected.notices);
  });

  it('refuses a period on an as-of report, --owner elsewhere, a period after --at', async () => {
    await expect(
      runReport(deps(), 'org-a', { name: 'aging', at: AS_OF, from: '2026-12-01' }),
    ).rejects.toThrow(InputError);
    await expect(
      runReport(deps(), 'org-a', { name: 'fees', at: AS_OF, ownerId: 'O1' }),
    ).rejects.toThrow('only the owner report takes --owner');
    await expect(
      runReport(deps(), 'org-a', { name: 'fees', at: AS_OF, to: '2026-12-20' }),
    ).rejects.toThrow(InputError);
    const o2 = await runReport(deps(), 'org-a', { name: 'owner', at: AS_OF, ownerId: 'O2' });
    expect((o2.json as { owners: { ownerId: string }[] }).owners.map((o) => o.ownerId)).toEqual([
      'O2',
    ]);
  });
});
