/**
 * `npm run gen -- --leases N [--out FILE] [--mix typical|stress] [--seed S] [--format json|csv]
 * [--rows R]`: a synthetic portfolio with realistic payment behaviour (most pay on time,
 * some late, a few partly or not at all; promises, disputes, reversals).
 *
 * - `--format json` (default): canonical portfolio JSON (SPEC 3.1).
 * - `--format csv`: the `generic` CSV preset (SPEC 3.2), one row per ledger entry with its
 *   lease, tenant and property columns; streamed to the file lease by lease, so a million
 *   rows need no more memory than a thousand. Events (promises, disputes) have no CSV column
 *   and are left out; the properties `P-LA` and `P-NY` must exist before the import (or pass
 *   `--property-defaults`). `--rows R` stops after exactly R data rows (about 12 per lease;
 *   `--leases` is then only an upper bound).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchPortfolio, writeBenchCsv, type BenchMix } from './fixtures.js';

const { values } = parseArgs({
  options: {
    leases: { type: 'string' },
    rows: { type: 'string' },
    out: { type: 'string' },
    mix: { type: 'string', default: 'typical' },
    seed: { type: 'string', default: '42' },
    format: { type: 'string', default: 'json' },
  },
});
const format = values.format;
if (format !== 'json' && format !== 'csv') {
  console.error(`--format must be json or csv (got ${format})`);
  process.exit(2);
}
const whole = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`--${name} must be a positive whole number (got ${text})`);
    process.exit(2);
  }
  return n;
};
const rows = whole('rows', values.rows);
if (rows !== undefined && format !== 'csv') {
  console.error('--rows applies to --format csv only');
  process.exit(2);
}
// With --rows alone, enough leases for that many rows (each has at least 6).
const n = whole('leases', values.leases) ?? (rows !== undefined ? Math.ceil(rows / 6) : 1000);
const mix = values.mix as BenchMix;
const seed = Number(values.seed);
if (format === 'csv') {
  const out = values.out ?? 'portfolio.csv';
  const w = await writeBenchCsv(out, { leases: n, mix, seed, ...(rows ? { maxRows: rows } : {}) });
  console.error(
    `wrote ${out}: ${w.rows} rows (generic CSV preset), ${w.leases} leases, ${(w.bytes / 2 ** 20).toFixed(1)} MiB`,
  );
} else {
  const out = values.out ?? 'portfolio.json';
  const portfolio = benchPortfolio(n, mix, seed);
  writeFileSync(out, JSON.stringify(portfolio));
  console.error(
    `wrote ${out}: ${portfolio.leases.length} leases, ${portfolio.ledger.length} ledger entries, ${portfolio.events.length} events`,
  );
}
