/**
 * `npm run gen -- --leases N [--out FILE] [--mix typical|stress] [--seed S]`: a synthetic
 * portfolio with realistic payment behaviour (most pay on time, some late, a few partly or
 * not at all; promises, disputes, reversals), as canonical portfolio JSON.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchPortfolio, type BenchMix } from './fixtures.js';

const { values } = parseArgs({
  options: {
    leases: { type: 'string', default: '1000' },
    out: { type: 'string', default: 'portfolio.json' },
    mix: { type: 'string', default: 'typical' },
    seed: { type: 'string', default: '42' },
  },
});
const n = Number(values.leases);
if (!Number.isInteger(n) || n <= 0) {
  console.error(`--leases must be a positive whole number (got ${values.leases})`);
  process.exit(2);
}
const portfolio = benchPortfolio(n, values.mix as BenchMix, Number(values.seed));
writeFileSync(values.out, JSON.stringify(portfolio));
console.error(
  `wrote ${values.out}: ${portfolio.leases.length} leases, ${portfolio.ledger.length} ledger entries, ${portfolio.events.length} events`,
);
