/**
 * `npm run bench:ops -- [--leases N]`: the operational engine on SQLite and PostgreSQL —
 * import, full scan, a repeated scan, and an incremental scan after 1% of leases change.
 * Rewrites its section of docs/benchmarks.md.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importJsonPortfolio } from '../src/app/import-portfolio.js';
import { fixedClock } from '../src/app/ports/clock.js';
import { recordEvents } from '../src/app/record-events.js';
import { scanPortfolio } from '../src/app/scan-portfolio.js';
import { storesFor } from '../src/main.js';
import { openDatabase } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { ensureDefaultOrganisation } from '../src/storage/repos/organisations-repo.js';
import { benchPolicy, benchPortfolio } from './fixtures.js';
import { postgresDatabase } from './postgres.js';

const { values } = parseArgs({ options: { leases: { type: 'string', default: '10000' } } });
const N = Number(values.leases);

async function timed<T>(fn: () => Promise<T>): Promise<{ s: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, value };
}

const postgresUrl = () => postgresDatabase('arrears_bench');

async function run(url: string, label: string): Promise<string[]> {
  const db = await openDatabase(url);
  await migrateToLatest(db);
  await ensureDefaultOrganisation(db, '2026-01-01T00:00:00.000Z');
  const clock = fixedClock(Date.parse('2026-11-05T20:00:00Z'));
  const deps = { clock, ...storesFor(db) };
  await deps.policies.save('default', benchPolicy(), 'bench', '2026-01-01T00:00:00.000Z');
  const portfolio = benchPortfolio(N);
  const text = JSON.stringify(portfolio);
  const imp = await timed(() =>
    importJsonPortfolio(deps, {
      orgId: 'default',
      fileName: 'bench.json',
      text,
      format: 'json',
      actor: 'bench',
    }),
  );
  const at = Date.parse('2026-11-05T20:00:00Z');
  const full = await timed(() => scanPortfolio(deps, { orgId: 'default', at }));
  const again = await timed(() => scanPortfolio(deps, { orgId: 'default', at: at + 1000 }));
  const changed = portfolio.leases.filter((_, i) => i % 100 === 0).map((l) => l.id);
  await recordEvents(
    deps,
    'default',
    changed.map((leaseId) => ({ leaseId, date: '2026-11-05', type: 'flag' as const })),
    'bench',
    'bench',
  );
  const incr = await timed(() => scanPortfolio(deps, { orgId: 'default', at: at + 2000 }));
  await db.close();
  const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')}/s`;
  return [
    `| ${label} | import ${N.toLocaleString('en-US')} leases (${portfolio.ledger.length.toLocaleString('en-US')} ledger entries) | ${imp.s.toFixed(1)} s | ${rate(portfolio.ledger.length, imp.s)} entries |`,
    `| ${label} | full scan (${full.value.evaluated.toLocaleString('en-US')} evaluated, ${full.value.queued.toLocaleString('en-US')} queued) | ${full.s.toFixed(1)} s | ${rate(full.value.evaluated, full.s)} leases |`,
    `| ${label} | repeated scan (${again.value.evaluated} evaluated) | ${again.s.toFixed(2)} s | — |`,
    `| ${label} | incremental scan after 1% changed (${incr.value.evaluated} evaluated) | ${incr.s.toFixed(2)} s | ${rate(incr.value.evaluated, incr.s)} leases |`,
  ];
}

const dir = mkdtempSync(join(os.tmpdir(), 'arrears-bench-'));
const rows = await run(`sqlite:${join(dir, 'bench.db')}`, 'SQLite');
rmSync(dir, { recursive: true, force: true });
const pgUrl = await postgresUrl();
if (pgUrl) rows.push(...(await run(pgUrl, 'PostgreSQL')));
else rows.push('| PostgreSQL | skipped: no server at 127.0.0.1:5432 | | |');

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const section = [
  '<!-- ops:start -->',
  '## Operational engine',
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores, Node ${process.version}. Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:ops -- --leases ${N}\`.`,
  '',
  '| engine | step | time | rate |',
  '|---|---|---|---|',
  ...rows,
  '<!-- ops:end -->',
].join('\n');
const path = new URL('../docs/benchmarks.md', import.meta.url);
let doc = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
doc = /<!-- ops:start -->[\s\S]*<!-- ops:end -->/.test(doc)
  ? doc.replace(/<!-- ops:start -->[\s\S]*<!-- ops:end -->/, section)
  : `${doc.trimEnd()}\n\n${section}\n`;
writeFileSync(path, doc);
console.log(section);
