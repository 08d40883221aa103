/**
 * Fuzzing the whole CSV import (SPEC 3.2: parse, map through the preset, save) on SQLite
 * and PostgreSQL with fast-check. The vendor exports of test/fixtures/csv are corrupted the
 * ways files arrive in real life — a column missing or renamed, a cell with an impossible
 * date, an amount that is not one, a formula, a stray quote, a line break, an empty line,
 * a repeated or ragged row, a byte-order mark, CRLF or CR line ends, a file cut short —
 * and imported into one database per engine, one after the other:
 *
 * - a refused file is an InputError naming the file and the row (and column), and the
 *   database is exactly as before: no lease, ledger entry, audit entry or import record
 *   written (all or nothing);
 * - an accepted file imported again is a no-op.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { importCsvExport, type CsvImportResult } from '../../src/app/import-csv.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import { InputError } from '../../src/domain/errors.js';
import type { PresetName } from '../../src/domain/import/presets.js';
import { storesFor } from '../../src/main.js';
import type { Db } from '../../src/storage/database.js';
import { ensureOrganisation } from '../../src/storage/repos/organisations-repo.js';
import { forEachDialect } from '../support/databases.js';
import { expectActionable } from './mutate.js';

const ORG = 'fuzz-csv';
const AS_OF = '2026-10-15';
const DEFAULTS = {
  timezone: 'America/Los_Angeles',
  jurisdiction: 'US-CA',
  kind: 'storage',
} as const;

const FIXTURES: { preset: PresetName; rows: string[][] }[] = (
  [
    ['appfolio', 'appfolio-delinquency.csv'],
    ['buildium', 'buildium-outstanding-balances.csv'],
    ['yardi', 'yardi-aging-detail.csv'],
    ['generic', 'generic-aging.csv'],
    ['generic', 'generic-transactions.csv'],
  ] as const
).map(([preset, file]) => ({
  preset,
  rows: parse(readFileSync(new URL(`../fixtures/csv/${file}`, import.meta.url), 'utf8'), {
    relax_column_count: true,
  }) as string[][],
}));

/** What an import may write; each is compared before and after every refused file. */
const TABLES = [
  'properties',
  'tenants',
  'leases',
  'lease_tenants',
  'ledger_entries',
  'events',
  'lease_state',
  'audit',
  'import_files',
] as const;

async function rowCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, number | string>>`select ${sql.join(
    TABLES.map(
      (t) => sql`(select count(*) from ${sql.table(t)} where org_id = ${ORG}) as ${sql.ref(t)}`,
    ),
  )}`.execute(db.kysely);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}

// ---------------------------------------------------------------------------------------
// Corrupting a file

const hostileCell = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '2026-02-30',
    '02/30/2026',
    '13/01/2026',
    '2026-13-01',
    '9/9/99',
    'yesterday',
    '12.3x',
    '1,2,3',
    '(5.00',
    '$',
    '-',
    '--5',
    '1e5',
    'NaN',
    'Infinity',
    '99999999999999999999.99',
    '-0.001',
    '0.005',
    '=HYPERLINK("http://evil.example","x")',
    '@SUM(A1:A9)',
    '+1+2',
    '-2+3',
    '\t=1',
    '"',
    '""',
    'a"b',
    'line\nbreak',
    'cr\rlf',
    '\u0000',
    '\ufeff',
    '💥🏠',
    'Total',
    'Grand Total',
    'x'.repeat(5_000),
  ),
  fc.string({ maxLength: 20 }),
);

type Corruption =
  | { kind: 'cell'; row: number; col: number; value: string }
  | { kind: 'dropColumn'; col: number }
  | { kind: 'renameHeader'; col: number; name: string }
  | { kind: 'emptyLine'; row: number; commas: boolean }
  | { kind: 'repeatRow'; row: number }
  | { kind: 'extraCell'; row: number; value: string }
  | { kind: 'dropCell'; row: number };

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('cell' as const),
      row: fc.nat(),
      col: fc.nat(),
      value: hostileCell,
    }),
  },
  fc.record({ kind: fc.constant('dropColumn' as const), col: fc.nat() }),
  fc.record({
    kind: fc.constant('renameHeader' as const),
    col: fc.nat(),
    name: fc.oneof(
      fc.constantFrom('', 'Amount', 'UNIT', 'unit ', 'Property', '0-30'),
      fc.string({ maxLength: 8 }),
    ),
  }),
  fc.record({ kind: fc.constant('emptyLine' as const), row: fc.nat(), commas: fc.boolean() }),
  fc.record({ kind: fc.constant('repeatRow' as const), row: fc.nat() }),
  fc.record({ kind: fc.constant('extraCell' as const), row: fc.nat(), value: hostileCell }),
  fc.record({ kind: fc.constant('dropCell' as const), row: fc.nat() }),
);

function corrupt(rows: string[][], c: Corruption): string[][] {
  const out = rows.map((r) => [...r]);
  const at = (n: number) => n % out.length;
  switch (c.kind) {
    case 'cell': {
      const row = out[at(c.row)]!;
      if (row.length > 0) row[c.col % row.length] = c.value;
      break;
    }
    case 'dropColumn':
      for (const row of out) row.splice(c.col % Math.max(1, row.length), 1);
      break;
    case 'renameHeader': {
      // The header is the widest of the first rows (Yardi puts title lines above it).
      const header = out.slice(0, 4).reduce((a, b) => (b.length > a.length ? b : a));
      header[c.col % header.length] = c.name;
      break;
    }
    case 'emptyLine':
      out.splice(at(c.row), 0, c.commas ? Array<string>(5).fill('') : []);
      break;
    case 'repeatRow':
      out.push([...out[at(c.row)]!]);
      break;
    case 'extraCell':
      out[at(c.row)]!.push(c.value);
      break;
    case 'dropCell':
      out[at(c.row)]!.pop();
      break;
  }
  return out;
}

/** `minimal` quotes what needs it; `always` quotes everything; `raw` never does (broken). */
type Quoting = 'minimal' | 'always' | 'raw';

function toCsv(rows: string[][], quoting: Quoting, eol: string, bom: boolean): string {
  const cell = (v: string) => {
    if (quoting === 'raw') return v;
    if (quoting === 'always' || /[",\r\n]|^\s|\s$/.test(v)) return `"${v.replace(/"/g, '""')}"`;
    return v;
  };
  return (bom ? '\ufeff' : '') + rows.map((r) => r.map(cell).join(',')).join(eol) + eol;
}

const corruptedFile = fc.record({
  fixture: fc.nat({ max: FIXTURES.length - 1 }),
  corruptions: fc.array(corruption, { minLength: 0, maxLength: 3 }),
  quoting: fc.constantFrom<Quoting>('minimal', 'minimal', 'always', 'raw'),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  bom: fc.boolean(),
  /** Where the file is cut short (a fraction of its length), if it is. */
  cut: fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 999 }).map((n) => n / 1000) },
  ),
  skipInvalid: fc.boolean(),
});

forEachDialect('CSV import under fuzzing', (h) => {
  let db: Db;
  let runs = 0;
  const deps = () => ({ clock: fixedClock(Date.parse('2026-10-15T18:00:00Z')), ...storesFor(db) });
  const importCsv = (text: string, preset: PresetName, fileName: string, skipInvalid = false) =>
    importCsvExport(deps(), {
      orgId: ORG,
      fileName,
      text,
      preset,
      asOf: AS_OF,
      skipInvalid,
      propertyDefaults: DEFAULTS,
      actor: 'fuzz',
    });

  beforeAll(async () => {
    db = await h.openMigrated();
    await ensureOrganisation(db, { id: ORG, name: ORG, at: '2026-01-01T00:00:00.000Z' });
  });

  it('every fixture imports as it is, and imported again is a no-op', async () => {
    for (const [i, f] of FIXTURES.entries()) {
      const text = toCsv(f.rows, 'minimal', '\n', false);
      const first = await importCsv(text, f.preset, `fixture-${i}.csv`);
      expect(first.alreadyImported).toBe(false);
      const after = await rowCounts(db);
      const again = await importCsv(text, f.preset, `fixture-${i}-again.csv`);
      expect(again.alreadyImported).toBe(true);
      expect(await rowCounts(db)).toEqual(after);
    }
  });

  it('a corrupted export is imported whole, or refused with file, row and column and nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(corruptedFile, async (f) => {
        const fixture = FIXTURES[f.fixture]!;
        let text = toCsv(f.corruptions.reduce(corrupt, fixture.rows), f.quoting, f.eol, f.bom);
        if (f.cut !== undefined) text = text.slice(0, Math.floor(text.length * f.cut));
        const fileName = `export-${h.dialect}-${runs++}.csv`;
        const before = await rowCounts(db);
        let result: CsvImportResult;
        try {
          result = await importCsv(text, fixture.preset, fileName, f.skipInvalid);
        } catch (e) {
          // Whatever went wrong, nothing of the file may be left behind.
          expect(await rowCounts(db)).toEqual(before);
          if (!(e instanceof InputError))
            throw new Error(`not an InputError: ${e instanceof Error ? e.stack : String(e)}`);
          expectActionable(e, fileName);
          for (const issue of e.issues) expect(issue.path).toMatch(/^row \d+/);
          return;
        }
        if (result.rows.rejected > 0) {
          expect(f.skipInvalid).toBe(true);
          expect(result.rejectsCsv).not.toBeNull();
          for (const r of result.rejects) expect(r.errors.length).toBeGreaterThan(0);
        }
        const after = await rowCounts(db);
        const again = await importCsv(text, fixture.preset, `${fileName}.again`, f.skipInvalid);
        expect(again.alreadyImported).toBe(true);
        expect(await rowCounts(db)).toEqual(after);
      }),
      { numRuns: 40 },
    );
  });

  it('a bad amount or date in a data cell is refused at that row and column', async () => {
    const { rows } = FIXTURES[4]!;
    const header = rows[0]!;
    const charges = rows.flatMap((r, i) =>
      i > 0 && r[header.indexOf('type')] === 'charge' ? [i] : [],
    );
    const dataRow = fc.integer({ min: 1, max: rows.length - 1 });
    const badDate = fc.constantFrom('2026-02-30', '2026-13-01', '13/45/2026', '10/01', 'soon');
    const cell = fc.oneof(
      fc.record({
        name: fc.constant('amount'),
        row: dataRow,
        value: fc.constantFrom('12.3x', '1,2,3', '$', '1.2.3', 'soon'),
      }),
      fc.record({ name: fc.constant('date'), row: dataRow, value: badDate }),
      // PostgreSQL stores no NUL character: refused here rather than failing in the database.
      fc.record({
        name: fc.constantFrom('tenant_name', 'memo', 'unit'),
        row: dataRow,
        value: fc.constantFrom('Ana\u0000Ruiz', '\u0000'),
      }),
      // A due date is read on charges only.
      fc.record({
        name: fc.constant('due_date'),
        row: fc.constantFrom(...charges),
        value: badDate,
      }),
    );
    await fc.assert(
      fc.asyncProperty(cell, async ({ name, row, value }) => {
        const broken = corrupt(rows, { kind: 'cell', row, col: header.indexOf(name), value });
        const before = await rowCounts(db);
        const error = await importCsv(
          toCsv(broken, 'minimal', '\n', false),
          'generic',
          `cell-${runs++}.csv`,
        ).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).issues.map((i) => i.path)).toContain(
          `row ${row + 1}, column "${name}"`,
        );
        expect(await rowCounts(db)).toEqual(before);
      }),
      { numRuns: 25 },
    );
  });
});
