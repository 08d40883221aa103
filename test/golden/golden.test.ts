/**
 * Golden timelines: each case under test/golden/<name>/ names a portfolio, its policies
 * and a window; the full simulated timeline must equal the reviewed expected.json.
 * `npm run test:golden -- --update` rewrites them, and a change shows as a diff.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/domain/evaluator/simulate.js';
import { parsePolicy } from '../../src/domain/policy/read.js';
import { parsePortfolio } from '../../src/domain/portfolio/read.js';

const here = dirname(fileURLToPath(import.meta.url));

interface GoldenCase {
  description: string;
  portfolio: string;
  policies: string[];
  from: string;
  to: string;
}

const cases = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'case.json')))
  .map((d) => d.name)
  .sort();

describe('golden timelines', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(0));
  for (const name of cases) {
    it(name, async () => {
      const dir = join(here, name);
      const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as GoldenCase;
      const read = (p: string) => readFileSync(resolve(dir, p), 'utf8');
      const portfolio = parsePortfolio(read(c.portfolio), c.portfolio);
      const policies = c.policies.map((p) => parsePolicy(read(p), p));
      const { extras: _extras, ...result } = simulate(portfolio, policies, c.from, c.to);
      await expect(`${JSON.stringify(result, null, 2)}\n`).toMatchFileSnapshot(
        join(dir, 'expected.json'),
      );
    });
  }
});
