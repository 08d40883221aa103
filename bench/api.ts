/**
 * `npm run bench:api -- [--leases N]`: API latency with many open cases (issue target: with
 * 100,000 open cases in PostgreSQL, the queue and case-list p95 under 100 ms). Builds the
 * server's app over a throw-away PostgreSQL database holding N leases of the `stress` mix
 * (nearly every lease in an open case), then times requests through `inject()` (no network:
 * the figure is the server's own time). Rewrites its section of docs/benchmarks.md.
 */
import { parseArgs } from 'node:util';
import { importJsonPortfolio } from '../src/app/import-portfolio.js';
import { fixedClock } from '../src/app/ports/clock.js';
import { scanPortfolio } from '../src/app/scan-portfolio.js';
import { serverAppFor } from '../src/cli/commands/serve.js';
import { openRuntime, storesFor } from '../src/main.js';
import { issueApiToken } from '../src/storage/repos/api-tokens-repo.js';
import { createUsersRepo } from '../src/storage/repos/users-repo.js';
import { benchPolicy, benchPortfolio } from './fixtures.js';
import { hardware, rewriteSection, today } from './report.js';
import { postgresDatabase } from './postgres.js';

const { values } = parseArgs({
  options: {
    leases: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '200' },
  },
});
const N = Number(values.leases);
const ROUNDS = Number(values.rounds);

const url = await postgresDatabase('arrears_bench_api');
if (!url) {
  console.log('PostgreSQL is not answering on 127.0.0.1:5432: nothing measured');
  process.exit(0);
}
const at = Date.parse('2026-11-05T20:00:00Z');
const clock = fixedClock(at);
const rt = await openRuntime({
  db: url,
  env: { ARREARS_LOG_LEVEL: 'silent' },
  cwd: process.cwd(),
  clock,
});
const deps = { clock, ...storesFor(rt.db) };
await deps.policies.save('default', benchPolicy(), 'bench', '2026-01-01T00:00:00.000Z');
const portfolio = benchPortfolio(N, 'stress');
const t0 = Date.now();
await importJsonPortfolio(deps, {
  orgId: 'default',
  fileName: 'bench.json',
  text: JSON.stringify(portfolio),
  format: 'json',
  actor: 'bench',
});
const scan = await scanPortfolio(deps, { orgId: 'default', at });
const open = await rt.db.kysely
  .selectFrom('cases')
  .select((eb) => eb.fn.countAll<string>().as('n'))
  .where('closed', 'is', null)
  .executeTakeFirstOrThrow();
console.error(
  `seeded ${N} leases, ${open.n} open cases, ${scan.queued} queued in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);

const { user } = await createUsersRepo(rt.db, clock).addUser(
  'default',
  'bench@example.com',
  'admin',
);
const { token } = await issueApiToken(rt.db, {
  orgId: 'default',
  userId: user.id,
  at: new Date(at).toISOString(),
});
const app = await serverAppFor(rt, {
  logLevel: 'silent',
  publicUrl: undefined,
  log: () => undefined,
});
const auth = { authorization: `Bearer ${token}` };

async function p95(label: string, path: () => string): Promise<string> {
  const times: number[] = [];
  let status = 0;
  let bytes = 0;
  for (let i = 0; i < ROUNDS + 10; i++) {
    const started = process.hrtime.bigint();
    const r = await app.inject({ url: path(), headers: auth });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    status = r.statusCode;
    bytes = r.body.length;
    if (i >= 10) times.push(ms); // the first ten warm the caches
  }
  times.sort((a, b) => a - b);
  const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))]!;
  return `| ${label} | ${status} | ${(bytes / 1024).toFixed(0)} KiB | ${q(0.5).toFixed(1)} ms | ${q(0.95).toFixed(1)} ms | ${q(0.95) < 100 ? '✓' : '✗'} |`;
}

const leases = portfolio.leases.map((l) => l.id);
let k = 0;
const rows = [
  await p95(
    'GET /api/v1/cases?open=true&limit=50 (first page)',
    () => '/api/v1/cases?open=true&limit=50',
  ),
  await p95(
    'GET /api/v1/cases/{leaseId} (case page)',
    () => `/api/v1/cases/${leases[(k += 7919) % leases.length]}`,
  ),
  await p95('GET /api/v1/queue?limit=50', () => '/api/v1/queue?limit=50'),
  await p95('GET /api/v1/outbox?limit=50', () => '/api/v1/outbox?limit=50'),
  await p95('GET /api/v1/leases?limit=50', () => '/api/v1/leases?limit=50'),
];
await app.close();
await rt.close();

const section = [
  '<!-- api:start -->',
  '## API latency with many open cases',
  '',
  `Machine: ${hardware()}, PostgreSQL. ${N.toLocaleString('en-US')} leases of the stress mix (${Number(open.n).toLocaleString('en-US')} open cases). ${ROUNDS} requests each through \`inject()\` after 10 warm-up requests. Measured ${today()} by \`npm run bench:api -- --leases ${N}\`. Target: p95 < 100 ms.`,
  '',
  '| request | status | body | p50 | p95 | target |',
  '|---|---|---|---|---|---|',
  ...rows,
  '<!-- api:end -->',
].join('\n');
rewriteSection('api', section);
console.log(section);
