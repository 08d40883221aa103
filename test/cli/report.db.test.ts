/**
 * `arrears report NAME` end to end, on SQLite and PostgreSQL: the fixture portfolio with a
 * known history (test/support/report-fixture.ts) written to the database, then every report
 * as JSON, CSV and PDF through the CLI. The figures are the hand-computed ones of
 * src/domain/reports/reports.test.ts; the bad-input cases exit 2.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPORT_NAMES } from '../../src/app/run-reports.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { agingReport, agingReportCsv } from '../../src/domain/reports/aging-report.js';
import {
  collectionsReportCsv,
  collectionsReport,
} from '../../src/domain/reports/collections-report.js';
import {
  delinquencyReport,
  delinquencyReportCsv,
} from '../../src/domain/reports/delinquency-report.js';
import { feesReport, feesReportCsv } from '../../src/domain/reports/fees-report.js';
import { noticesReport, noticesReportCsv } from '../../src/domain/reports/notices-report.js';
import { ownerReport, ownerReportCsv } from '../../src/domain/reports/owner-report.js';
import { pipelineReport, pipelineReportCsv } from '../../src/domain/reports/pipeline-report.js';
import { promisesReport, promisesReportCsv } from '../../src/domain/reports/promises-report.js';
import { weeklyReport, weeklyReportCsv } from '../../src/domain/reports/weekly-report.js';
import { openDatabase } from '../../src/storage/database.js';
import { workDir } from '../support/cli.js';
import { forEachDialect } from '../support/databases.js';
import { saveFixture } from '../support/report-fixture-db.js';
import { AS_OF, fixtureData, HOSTILE, PERIOD } from '../support/report-fixture.js';

const data = fixtureData();
const expected = {
  aging: () => agingReport(data.portfolio, AS_OF),
  delinquency: () => delinquencyReport(data, AS_OF),
  pipeline: () => pipelineReport(data, AS_OF),
  promises: () => promisesReport(data, PERIOD, AS_OF),
  collections: () => collectionsReport(data, PERIOD),
  notices: () => noticesReport(data, PERIOD),
  fees: () => feesReport(data, PERIOD),
  weekly: () => weeklyReport(data, PERIOD, AS_OF),
  owner: () => ownerReport(data, AS_OF),
};
const expectedCsv: Record<(typeof REPORT_NAMES)[number], () => string> = {
  aging: () => agingReportCsv(expected.aging()),
  delinquency: () => delinquencyReportCsv(expected.delinquency()),
  pipeline: () => pipelineReportCsv(expected.pipeline()),
  promises: () => promisesReportCsv(expected.promises()),
  collections: () => collectionsReportCsv(expected.collections()),
  notices: () => noticesReportCsv(expected.notices()),
  fees: () => feesReportCsv(expected.fees()),
  weekly: () => weeklyReportCsv(expected.weekly()),
  owner: () => ownerReportCsv(expected.owner()),
};

/** One headline figure per report, worked out by hand (reports.test.ts explains each). */
const HEADLINES: Record<(typeof REPORT_NAMES)[number], [path: string[], value: unknown]> = {
  aging: [['totalCents'], 981000],
  delinquency: [['totals', 'pastDueCents'], 973500],
  pipeline: [['totals', 'cases'], 5],
  promises: [['totals', 'keptRate'], 0.6667],
  collections: [['totals', 'recoveredCents'], 382500],
  notices: [['totals', 'deliveryRate'], 0.2857],
  fees: [['totals', 'waivedCents'], 5000],
  weekly: [['cases', 'closedByOutcome', 'paid'], 1],
  owner: [['totals', 'totalCents'], 981000],
};

function at(json: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], json);
}

forEachDialect('arrears report (CLI)', (h) => {
  const w = workDir('arrears-report-');
  const db = () => ['--db', h.dialect === 'sqlite' ? `sqlite:${join(w.dir, 'a.db')}` : h.url];

  beforeAll(async () => {
    const handle = await openDatabase(db()[1]!);
    try {
      await migrateToLatest(handle);
      await saveFixture(handle, 'default');
    } finally {
      await handle.close();
    }
  });

  for (const name of REPORT_NAMES) {
    it(`report ${name} --json`, async () => {
      const args = ['report', name, '--at', AS_OF, ...db()];
      const r = await w.run(...args, '--json');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out) as unknown;
      expect(json).toEqual(JSON.parse(JSON.stringify(expected[name]())));
      const [path, value] = HEADLINES[name];
      expect(at(json, path)).toBe(value);
      // --json is --format json.
      expect((await w.run(...args, '--format', 'json')).out).toBe(r.out);
    });

    it(`report ${name} --format csv`, async () => {
      const r = await w.run('report', name, '--at', AS_OF, '--format', 'csv', ...db());
      expect(r.code).toBe(0);
      expect(r.out).toBe(expectedCsv[name]());
      expect(r.out).not.toMatch(/(^|,)[=+@]/m);
    });
  }

  it('a tenant named like a formula is a quoted text cell', async () => {
    const r = await w.run('report', 'delinquency', '--at', AS_OF, '--format', 'csv', ...db());
    expect(r.out).toContain(`,"'=HYPERLINK(""http://evil.example"",""pay here"")",`);
    expect(HOSTILE.startsWith('=')).toBe(true);
  });

  it('period flags: --from/--to pick the period; the default is the 7 days ending on --at', async () => {
    const week = await w.run('report', 'collections', '--at', AS_OF, ...db(), '--json');
    const explicit = await w.run(
      'report',
      'collections',
      '--at',
      AS_OF,
      '--from',
      PERIOD.from,
      '--to',
      PERIOD.to,
      ...db(),
      '--json',
    );
    expect(explicit.out).toBe(week.out);
    const day = await w.run(
      'report',
      'fees',
      '--at',
      AS_OF,
      '--from',
      '2026-12-15',
      '--to',
      '2026-12-15',
      ...db(),
      '--json',
    );
    // Only L5's imported $75 fee is dated 12-15.
    expect(JSON.parse(day.out)).toMatchObject({
      from: '2026-12-15',
      to: '2026-12-15',
      totals: { assessedCount: 1, assessedCents: 7500, waivedCents: 0 },
    });
  });

  it('--format pdf --out writes a PDF, the same bytes every time', async () => {
    for (const name of REPORT_NAMES) {
      const a = await w.run(
        'report',
        name,
        '--at',
        AS_OF,
        '--format',
        'pdf',
        '--out',
        `${name}-a.pdf`,
        ...db(),
      );
      const b = await w.run(
        'report',
        name,
        '--at',
        AS_OF,
        '--format',
        'pdf',
        '--out',
        `${name}-b.pdf`,
        ...db(),
      );
      expect([a.code, b.code]).toEqual([0, 0]);
      expect(a.out).toBe('');
      expect(a.err).toBe(`wrote ${name}-a.pdf\n`);
      const bytesA = readFileSync(resolve(w.dir, `${name}-a.pdf`));
      const bytesB = readFileSync(resolve(w.dir, `${name}-b.pdf`));
      expect(bytesA.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
      expect(bytesA.equals(bytesB)).toBe(true);
    }
  });

  it('--out with csv writes the file and prints nothing', async () => {
    const r = await w.run(
      'report',
      'owner',
      '--at',
      AS_OF,
      '--format',
      'csv',
      '--out',
      'owner.csv',
      ...db(),
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(readFileSync(resolve(w.dir, 'owner.csv'), 'utf8')).toBe(expectedCsv.owner());
  });

  it('bad input exits 2 and says what to do', async () => {
    const cases: [string[], string][] = [
      [['report', 'aging', '--format', 'pdf'], 'a PDF is written to a file: add --out FILE'],
      [['report', 'aging', '--format', 'xlsx'], '`xlsx` is not a format; use json, csv or pdf'],
      [['report', 'nope'], '`nope` is not a report; use one of aging, delinquency'],
      [['report', 'aging', '--at', '12/15/2026'], '--at: `12/15/2026` is not a date'],
      [
        ['report', 'aging', '--at', AS_OF, '--from', '2026-12-01'],
        'the aging report is as of one date',
      ],
      [
        ['report', 'fees', '--at', AS_OF, '--to', '2026-12-20'],
        'the period ends (2026-12-20) after --at',
      ],
      [
        ['report', 'fees', '--at', AS_OF, '--from', '2026-12-16'],
        'the period starts (2026-12-16) after it ends',
      ],
      [['report', 'pipeline', '--owner', 'O1'], 'only the owner report takes --owner'],
    ];
    for (const [args, message] of cases) {
      const r = await w.run(...args, ...db());
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
      expect(r.out).toBe('');
    }
  });
});

describe('arrears report on a scanned example portfolio (SQLite)', () => {
  const ROOT = resolve(import.meta.dirname, '../..');
  const w = workDir('arrears-report-example-');
  const db = ['--db', `sqlite:${join(w.dir, 'a.db')}`];

  it('every report runs as JSON and CSV after import, scan, approve and dispatch', async () => {
    expect(
      (await w.run('policy', 'apply', join(ROOT, 'examples/policies/storage-ca.yaml'), ...db)).code,
    ).toBe(0);
    expect(
      (await w.run('import', join(ROOT, 'examples/portfolios/storage-ca.json'), ...db)).code,
    ).toBe(0);
    expect((await w.run('scan', '--at', '2026-11-20T23:00:00Z', ...db)).code).toBe(0);
    expect((await w.run('user', 'add', 'boss@example.com', '--role', 'admin', ...db)).code).toBe(0);
    expect((await w.run('approve', '--all', '--as', 'boss@example.com', ...db)).code).toBe(0);
    expect((await w.run('dispatch', ...db)).code).toBe(0);
    const totals: Record<string, unknown> = {};
    for (const name of REPORT_NAMES) {
      const json = await w.run('report', name, '--at', '2026-11-20', ...db, '--json');
      expect(json.code, `${name}: ${json.err}`).toBe(0);
      totals[name] = JSON.parse(json.out);
      const csv = await w.run('report', name, '--at', '2026-11-20', ...db, '--format', 'csv');
      expect(csv.code).toBe(0);
      expect(csv.out.split('\n')[0]!.length).toBeGreaterThan(0);
    }
    // The owner report ties out to the aging report.
    const aging = totals.aging as { totalCents: number; buckets: unknown };
    const owner = totals.owner as { totals: { totalCents: number; buckets: unknown } };
    expect(owner.totals.totalCents).toBe(aging.totalCents);
    expect(owner.totals.buckets).toEqual(aging.buckets);
    // The open cases of the pipeline are those of the delinquency report.
    const pipeline = totals.pipeline as { totals: { cases: number } };
    const delinquency = totals.delinquency as { totals: { openCases: number } };
    expect(pipeline.totals.cases).toBe(delinquency.totals.openCases);
  });
});
