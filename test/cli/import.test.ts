/**
 * `arrears import` end to end on a SQLite file: JSON and CSV presets, all-or-nothing,
 * --skip-invalid with a reject file, re-import as a no-op, and scans of what was imported.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workDir } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CSV = join(ROOT, 'test/fixtures/csv');
const DEFAULTS = 'timezone=America/Los_Angeles,jurisdiction=US-CA,kind=residential';

function setUp() {
  const w = workDir('arrears-import-');
  const db = ['--db', `sqlite:${join(w.dir, 'a.db')}`];
  return { ...w, db };
}

describe('arrears import', () => {
  it('imports a JSON portfolio once; the same file again is a no-op', async () => {
    const w = setUp();
    const file = join(ROOT, 'examples/portfolios/storage-ca.json');
    const first = await w.run('import', file, ...w.db, '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({
      alreadyImported: false,
      counts: { leases: { inserted: 14 }, ledger: { inserted: 115 } },
    });
    const again = await w.run('import', file, ...w.db, '--json');
    expect(JSON.parse(again.out)).toMatchObject({ alreadyImported: true, changedLeaseIds: [] });
  });

  it('stops on unknown properties and names them; --property-defaults creates them', async () => {
    const w = setUp();
    const file = join(CSV, 'appfolio-delinquency.csv');
    const stop = await w.run(
      'import',
      file,
      '--preset',
      'appfolio',
      '--as-of',
      '2026-10-15',
      ...w.db,
    );
    expect(stop.code).toBe(2);
    expect(stop.err).toContain('unknown property `oak-court-apartments`');
    expect(stop.err).toContain('nothing was written');
    const ok = await w.run(
      'import',
      file,
      '--preset',
      'appfolio',
      '--as-of',
      '2026-10-15',
      '--property-defaults',
      DEFAULTS,
      ...w.db,
      '--json',
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ level: 'aging', alreadyImported: false });
  });

  for (const [name, message, preset] of [
    ['bad-amount.csv', 'row 7, column "Amount": `12,3x` is not an amount', 'generic'],
    ['bad-date.csv', 'is not a date', 'appfolio'],
    ['missing-column.csv', 'missing required column', 'generic'],
    ['duplicate-row.csv', 'duplicate', 'generic'],
  ] as const)
    it(`a malformed CSV (${name}) is refused with its row and column, nothing written`, async () => {
      const w = setUp();
      const r = await w.run(
        'import',
        join(CSV, 'malformed', name),
        '--preset',
        preset,
        '--as-of',
        '2026-10-15',
        '--property-defaults',
        DEFAULTS,
        ...w.db,
      );
      expect(r.code).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err).toContain('nothing was written');
      const list = await w.run('scan', ...w.db, '--json');
      expect(JSON.parse(list.out)).toMatchObject({ evaluated: 0 });
    });

  it('--skip-invalid writes the valid rows and a reject file', async () => {
    const w = setUp();
    copyFileSync(join(CSV, 'malformed', 'bad-amount.csv'), join(w.dir, 'export.csv'));
    const r = await w.run(
      'import',
      'export.csv',
      '--preset',
      'generic',
      '--skip-invalid',
      '--property-defaults',
      DEFAULTS,
      ...w.db,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/invalid row\(s\) not imported; see export\.rejects\.csv/);
    const rejects = join(w.dir, 'export.rejects.csv');
    expect(existsSync(rejects)).toBe(true);
    expect(readFileSync(rejects, 'utf8')).toContain('errors');
  });

  it('onboarded cases never re-send their done stages', async () => {
    const w = setUp();
    await w.run('policy', 'apply', join(ROOT, 'examples/policies/storage-ca.yaml'), ...w.db);
    await w.run('import', join(ROOT, 'examples/portfolios/storage-ca.json'), ...w.db);
    const scan = await w.run('scan', '--at', '2026-10-20T20:00:00Z', ...w.db, '--json');
    expect(scan.code).toBe(0);
    const portfolio = JSON.parse(
      readFileSync(join(ROOT, 'examples/portfolios/storage-ca.json'), 'utf8'),
    ) as { cases: { leaseId: string; episode: number; stagesDone: { stageId: string }[] }[] };
    const onboarded = portfolio.cases[0]!;
    const outbox = await w.run('outbox', '--lease', onboarded.leaseId, ...w.db, '--json');
    if (outbox.code === 0) {
      const items = (JSON.parse(outbox.out) as { items: { key: string }[] }).items;
      for (const done of onboarded.stagesDone)
        expect(
          items.some((i) =>
            i.key.startsWith(`${onboarded.leaseId}:${onboarded.episode}:${done.stageId}:`),
          ),
        ).toBe(false);
      expect(items.length).toBeGreaterThan(0);
    }
  });
});
