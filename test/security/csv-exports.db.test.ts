/**
 * CSV formula injection in every CSV Arrears writes: the nine reports (SPEC 8) through the
 * API (`GET /api/v1/reports/{name}?format=csv`) and the CLI (`arrears report NAME --format
 * csv`), and the reject file of `arrears import --skip-invalid` (the only other CSV: scheduled
 * reports go out as PDF, Google Sheets writes are guarded in their connector).
 *
 * Tenants, units, properties, owners, a lease id, memos and notes here start like a formula
 * (`=HYPERLINK(…)`, `+1+1`, `-2`, `@SUM(A1)`, a tab or a carriage return before `=1`). The
 * rule (src/domain/reports/csv.ts): a text cell starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return gets a `'` in front, so a spreadsheet shows it as text; numbers the report
 * computes are written as plain numbers, so a credit of `-25.00` stays a number a
 * spreadsheet can add. Hence a unit named `-2` is written `'-2` (text from outside), while a
 * balance of −$25.00 is `-25.00`. The reject file has only the vendor's own text: there a
 * cell that is nothing but a number (`-25.00`) is a number, not a formula, and stays as it
 * was so the fixed file imports again; anything else that starts like a formula gets the `'`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPORT_NAMES } from '../../src/app/run-reports.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import { portfolio as portfolioSchema } from '../../src/domain/portfolio/schema.js';
import type { Db } from '../../src/storage/database.js';
import { issueApiToken } from '../../src/storage/repos/api-tokens-repo.js';
import { portfolioStore } from '../../src/storage/repos/portfolio-repo.js';
import { createUsersRepo } from '../../src/storage/repos/users-repo.js';
import { workDir } from '../support/cli.js';
import { forEachDialect } from '../support/databases.js';
import { saveFixture } from '../support/report-fixture-db.js';
import { AS_OF, PORTFOLIO_INPUT } from '../support/report-fixture.js';
import { runtimeFor, serveApp } from './two-organisations.js';
import type { FastifyInstance } from 'fastify';

const HOSTILE = ['=HYPERLINK("http://x")', '+1+1', '-2', '@SUM(A1)', '\t=1', '\r=1'] as const;
const h = (i: number) => HOSTILE[i % HOSTILE.length]!;

/** A cell that starts like a formula is safe only as a plain number. */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** The report fixture with every name a person or a vendor typed made hostile. */
function hostilePortfolio() {
  const p = structuredClone(PORTFOLIO_INPUT) as unknown as {
    properties: { id: string; name: string; ownerId?: string }[];
    tenants: { id: string; name: string }[];
    leases: {
      id: string;
      propertyId: string;
      unit: string;
      tenantIds: string[];
      rentCents: number;
    }[];
    ledger: Record<string, unknown>[];
    events: Record<string, unknown>[];
  };
  p.properties.forEach((x, i) => {
    x.name = `${h(i + 3)} Court`;
    x.ownerId = h(i + 1);
  });
  p.tenants.forEach((t, i) => (t.name = `${h(i)} Tenant`));
  p.leases.forEach((l, i) => (l.unit = h(i + 2)));
  // A lease named like a formula that paid ahead: its balance is a credit of $25.00.
  p.tenants.push({ id: 'T9', name: h(0) });
  p.leases.push({ id: '@L9', propertyId: 'P1', unit: h(5), tenantIds: ['T9'], rentCents: 100000 });
  p.ledger.push({
    id: 'PAY-L9',
    leaseId: '@L9',
    date: '2026-12-01',
    type: 'payment',
    amountCents: 2500,
    memo: h(1),
  });
  p.events.push({ type: 'flag', id: 'E-L9', leaseId: '@L9', date: '2026-12-12', note: h(3) });
  return portfolioSchema.parse(p);
}

/** Every cell that starts like a formula and is not a plain number. */
function formulaCells(csv: string): string[] {
  const rows = parse(csv.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];
  return rows.flat().filter((c) => FORMULA_START.test(c) && !PLAIN_NUMBER.test(c));
}

const cells = (csv: string) =>
  (parse(csv.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][]).flat();

forEachDialect('CSV exports neutralise formulas', (hd) => {
  const w = workDir('arrears-csv-');
  const dbUrl = () => hd.url;
  let db: Db;
  let app: FastifyInstance;
  let token: string;
  const written: Record<string, string> = {};

  beforeAll(async () => {
    db = await hd.open();
    const { migrateToLatest } = await import('../../src/storage/migrate.js');
    await migrateToLatest(db);
    await saveFixture(db, 'default');
    await portfolioStore(db).savePortfolio('default', hostilePortfolio(), {
      source: 'import',
      actor: 'test',
      at: '2026-12-15T20:00:00.000Z',
    });
    const { user } = await createUsersRepo(db).addUser('default', 'admin@csv.example', 'admin');
    token = (await issueApiToken(db, { orgId: 'default', userId: user.id, at: AS_OF })).token;
    app = await serveApp(
      runtimeFor(db, 'default', {}, fixedClock(Date.parse(`${AS_OF}T20:00:00Z`))),
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it('every report, through the API and the CLI, writes hostile text as text', async () => {
    for (const name of REPORT_NAMES) {
      const res = await app.inject({
        url: `/api/v1/reports/${name}?at=${AS_OF}&format=csv`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['content-type']).toContain('text/csv');
      const cli = await w.run('report', name, '--at', AS_OF, '--format', 'csv', '--db', dbUrl());
      expect(cli.code, cli.err).toBe(0);
      expect(cli.out, `${name}: the CLI writes what the API serves`).toBe(res.body);
      expect(formulaCells(res.body), name).toEqual([]);
      written[name] = res.body;
    }
    const all = Object.values(written).flatMap(cells);
    // Each hostile value made it into some report, neutralised.
    for (const v of HOSTILE)
      expect(
        all.some((c) => c.startsWith(`'${v}`)),
        JSON.stringify(v),
      ).toBe(true);
    // A text cell `-2` (a unit, an owner) is text; a computed −$25.00 stays a number.
    expect(all).toContain("'-2");
    expect(all.filter((c) => /^-\d+\.\d\d$/.test(c))).toContain('-25.00');
  });

  it('the reject file of `import --skip-invalid` neutralises hostile cells and keeps numbers', async () => {
    const header =
      'transaction_id,property_id,property_name,lease_id,unit,tenant_id,tenant_name,date,type,category,amount,due_date,memo';
    const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const rows = [
      // Valid: imported.
      [
        'C-1',
        'P7',
        'Elm Court',
        'L7',
        '1A',
        'T7',
        'Ann Lee',
        '2026-10-01',
        'charge',
        'rent',
        '1500.00',
        '2026-10-01',
        'October rent',
      ],
      // Each of these is refused (an amount that is no number, a date that is no date) and
      // carries a hostile name, unit, memo or lease id into the reject file.
      [
        'C-2',
        'P7',
        'Elm Court',
        'L8',
        h(2),
        'T8',
        h(0),
        '2026-10-01',
        'charge',
        'rent',
        '12,3x',
        '2026-10-01',
        h(1),
      ],
      [
        'C-3',
        'P7',
        h(3),
        'L8',
        h(4),
        'T8',
        h(5),
        '2026-13-45',
        'credit',
        'rent',
        '-25.00',
        '',
        h(3),
      ],
      [
        'C-4',
        'P7',
        'Elm Court',
        h(1),
        h(0),
        'T9',
        h(3),
        'yesterday',
        'payment',
        '',
        '-2',
        '',
        h(4),
      ],
    ];
    const file = w.write(
      'export.csv',
      `${header}\n${rows.map((r) => r.map(q).join(',')).join('\n')}\n`,
    );
    const r = await w.run(
      'import',
      file,
      '--preset',
      'generic',
      '--skip-invalid',
      '--property-defaults',
      'timezone=America/Los_Angeles,jurisdiction=US-CA,kind=residential',
      '--db',
      dbUrl(),
    );
    expect(r.code, r.err).toBe(0);
    const rejects = readFileSync(join(w.dir, 'export.rejects.csv'), 'utf8');
    const out = cells(rejects);
    expect(out).toContain('C-2');
    expect(formulaCells(rejects)).toEqual([]);
    // The import reads a carriage return as a line break, so `\r=1` comes back as `\n=1`.
    for (const v of HOSTILE.filter((x) => !PLAIN_NUMBER.test(x) && x !== '\r=1'))
      expect(out, JSON.stringify(v)).toContain(`'${v}`);
    expect(out).toContain('\n=1');
    // The amounts stay as the vendor wrote them: fix the bad cells and import the file again.
    expect(out).toContain('-25.00');
    expect(out).toContain('-2');
  });
});
