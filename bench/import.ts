/**
 * `npm run bench:import -- [--rows 100000,1000000] [--leases N] [--engines sqlite,postgres]
 * [--no-doc]`: `arrears import --format csv --preset generic` of synthetic `generic` CSV
 * exports (bench/gen.ts `--format csv`), on SQLite and PostgreSQL, each step timed as the
 * command a user runs (a child process of the CLI, compiled first as `npm run build` does):
 *
 * 1. the first import of the file into an empty database (properties already known);
 * 2. the same file again (a no-op: the file's sha256 was seen);
 * 3. the export a month later: the same rows plus one new charge per lease (a reconcile:
 *    every stored row compared, the new ones inserted).
 *
 * `--rows` lists file sizes in rows (one ledger entry each, about 12 per lease); `--leases N`
 * instead takes every row of N leases. Each import's counts are checked against the file.
 * Temporary files and databases are removed. Rewrites the `import` section of
 * docs/benchmarks.md unless `--no-doc`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BENCH_PROPERTIES, compiledSnapshot, writeBenchCsv } from './fixtures.js';
import { commandLine, hardware, loadAverage, rewriteSection, today } from './report.js';
import { postgresDatabase } from './postgres.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string' },
    leases: { type: 'string' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    'no-doc': { type: 'boolean', default: false },
  },
});
const sizes: { rows?: number; leases: number }[] =
  values.leases !== undefined
    ? [{ leases: Number(values.leases) }]
    : (values.rows ?? '100000').split(',').map((r) => {
        const rows = Number(r);
        // Each lease has at least 6 rows; the writer stops at `rows`.
        return { rows, leases: Math.ceil(rows / 6) };
      });
for (const s of sizes)
  if (!Number.isInteger(s.leases) || s.leases <= 0 || (s.rows !== undefined && s.rows <= 0)) {
    console.error('--rows and --leases take positive whole numbers');
    process.exit(2);
  }
const engines = values.engines.split(',');

// The CLI compiled once, now: others rebuilding dist/ meanwhile do not change what is timed.
const CLI = join(compiledSnapshot('import'), 'arrears.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Run {
  s: number;
  /** Peak resident memory of the command, when /usr/bin/time can tell. */
  maxRssMiB?: number;
  out: string;
}

/** Runs `arrears ARGS…` and times it from spawn to exit. */
function arrears(args: string[]): Promise<Run> {
  const [cmd, argv] = TIME
    ? [TIME, ['-f', '%M', process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) {
        reject(new Error(`arrears ${args.join(' ')} exited ${code}: ${err}`));
        return;
      }
      const kib = TIME ? Number(err.trim().split('\n').pop()) : NaN;
      resolve({ s, out, ...(Number.isFinite(kib) ? { maxRssMiB: Math.round(kib / 1024) } : {}) });
    });
  });
}

async function postgresVersion(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ v: string }>("select current_setting('server_version') as v");
    return rows[0]?.v ?? '?';
  } finally {
    await c.end();
  }
}

interface Counts {
  alreadyImported: boolean;
  counts: Record<string, { inserted: number; updated: number; unchanged: number }>;
}

function check(run: Run, expect: (c: Counts) => boolean, what: string): Counts {
  const counts = JSON.parse(run.out) as Counts;
  if (!expect(counts))
    throw new Error(`${what}: unexpected result ${JSON.stringify(counts).slice(0, 400)}`);
  return counts;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const rate = (n: number, s: number) => `${fmt(Math.round(n / s))} rows/s`;
const mem = (r: Run) => (r.maxRssMiB !== undefined ? `${fmt(r.maxRssMiB)} MiB` : '—');

const dir = mkdtempSync(join(os.tmpdir(), 'arrears-bench-import-'));
const table: string[] = [];
let pgVersion: string | undefined;
try {
  const props = join(dir, 'properties.json');
  writeFileSync(
    props,
    JSON.stringify({ properties: BENCH_PROPERTIES, tenants: [], leases: [], ledger: [] }),
  );
  for (const size of sizes) {
    const first = join(dir, 'export.csv');
    const newer = join(dir, 'export-next-month.csv');
    const limit = size.rows !== undefined ? { maxRows: size.rows } : {};
    const w = await writeBenchCsv(first, { leases: size.leases, ...limit });
    const n = await writeBenchCsv(newer, { leases: size.leases, ...limit, nextMonth: true });
    console.error(
      `${fmt(w.rows)} rows, ${fmt(w.leases)} leases, ${(w.bytes / 2 ** 20).toFixed(0)} MiB`,
    );
    for (const engine of engines) {
      let url: string | undefined;
      if (engine === 'sqlite') url = `sqlite:${join(dir, 'bench.db')}`;
      else if (engine === 'postgres') url = await postgresDatabase('arrears_bench_import');
      else throw new Error(`unknown engine ${engine}: use sqlite or postgres`);
      const label = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
      if (!url) {
        table.push(`| ${label} | skipped: no server at 127.0.0.1:5432 | | | |`);
        continue;
      }
      if (engine === 'postgres') pgVersion ??= await postgresVersion(url);
      try {
        await arrears(['migrate', '--db', url]);
        await arrears(['import', props, '--db', url]);
        const args = ['--preset', 'generic', '--format', 'csv', '--db', url, '--json'];
        const a = await arrears(['import', first, ...args]);
        check(a, (c) => c.counts.ledger?.inserted === w.rows, 'first import');
        const b = await arrears(['import', first, ...args]);
        check(b, (c) => c.alreadyImported, 'same file again');
        const c = await arrears(['import', newer, ...args]);
        check(
          c,
          (r) =>
            r.counts.ledger?.inserted === n.rows - w.rows && r.counts.ledger.unchanged === w.rows,
          'newer file',
        );
        const size = `${fmt(w.rows)} rows, ${fmt(w.leases)} leases`;
        table.push(
          `| ${label} | first import: ${size} | **${a.s.toFixed(1)} s** | ${rate(w.rows, a.s)} | ${mem(a)} |`,
          `| ${label} | the same file again (no-op) | ${b.s.toFixed(1)} s | — | ${mem(b)} |`,
          `| ${label} | a month later: ${fmt(n.rows)} rows (${fmt(w.rows)} unchanged, ${fmt(n.rows - w.rows)} new) | ${c.s.toFixed(1)} s | ${rate(n.rows, c.s)} | ${mem(c)} |`,
        );
        console.error(table.slice(-3).join('\n'));
      } finally {
        if (engine === 'sqlite')
          for (const f of ['bench.db', 'bench.db-wal', 'bench.db-shm'])
            rmSync(join(dir, f), { force: true });
        else await postgresDatabase('arrears_bench_import', true);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const section = [
  '<!-- import:start -->',
  '## CSV import',
  '',
  `Machine: ${hardware()}${pgVersion ? `, PostgreSQL ${pgVersion} (default settings) on the same machine` : ''}; load average ${loadAverage()} at the end (a shared machine). Measured ${today()} by \`${commandLine('bench:import')}\`.`,
  '',
  'Each step is the whole `arrears import FILE --preset generic` command (start-up, reading and',
  'checking every row, writing in one transaction, the audit entry), on a `generic` CSV from',
  '`npm run gen -- --format csv` (one ledger entry per row, ~24 per lease). Target: 1,000,000',
  'rows in under 60 s on PostgreSQL. Re-importing the same file writes nothing, but the file',
  'is still read and checked before its sha256 is looked up (the store has no query for a',
  'known file yet).',
  '',
  '| engine | step | time | rate | peak memory |',
  '|---|---|---|---|---|',
  ...table,
  '<!-- import:end -->',
].join('\n');
if (!values['no-doc']) {
  rewriteSection('import', section);
}
console.log(section);
