/**
 * `npm run bench:webhooks -- [--duration 10] [--connections 50] [--warmup 2]
 * [--statuses sent,delivered] [--engines sqlite,postgres] [--no-doc]`: inbound webhook
 * ingest of the real server. For each engine, `arrears serve` (compiled first, as
 * `npm run build` does) runs as a child process on 127.0.0.1 with an ephemeral port, the
 * Twilio connector configured, over a database holding 1,000 leases and enough SMS items in
 * `sent` with their Twilio message SIDs. autocannon (in this process, loopback only) then
 * posts Twilio status callbacks to `/webhooks/twilio` for `--duration` seconds over
 * `--connections` connections, after a `--warmup` run. The same-run baseline is a bare
 * `node:http` server answering the same requests.
 *
 * The callbacks are what Twilio sends for each SMS with a status callback: `sent` (an
 * intermediate status: verified, deduplicated and acknowledged) then `delivered` (the item
 * moves `sent → delivered`, a `delivery` event and an audit entry are written), each signed
 * with X-Twilio-Signature over `ARREARS_PUBLIC_URL` + path and form params, each with its
 * own I-Twilio-Idempotency-Token, so every request is a new provider event. `--statuses
 * sent` sends only the first kind (the router and its deduplication alone).
 *
 * The server stores each verified callback in its webhook inbox (`webhook_events`, one
 * multi-row insert and one commit per group of concurrent requests) before answering. While
 * it is quiet it handles a callback before answering; under load (more than 8 in hand) it
 * answers as soon as the callback is stored, and its inbox drainer applies the stored
 * callbacks in batches, taking about a tenth of the time while the server is busy answering
 * (app/drain-webhook-inbox.ts). Requests/s therefore measures ingest: verified, deduplicated,
 * stored durably and acknowledged. When the load stops, the callbacks still queued are
 * drained: the table reports that backlog, how long it took to drain (at most 300 s are
 * waited for) and the rate.
 *
 * Afterwards the database is checked: every callback answered 2xx is stored in
 * `webhook_events` and handled (state `handled`, its body and headers cleared); the only
 * other stored ones were in flight when autocannon stopped (it cuts its connections; the
 * server finishes them); none is stored twice or unknown; every stored `delivered` moved its
 * item once (one transition, one delivery event, one audit entry), and the audit chain
 * verifies. Target: ≥ 3,000 requests/s. Exits 1 when the target is missed or the check
 * fails.
 *
 * `BENCH_SERVER_NODE_OPTIONS` adds Node options to the server (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where its time goes); `BENCH_SNAPSHOT=DIR/`
 * runs a build compiled earlier (a directory with its `arrears.js`, under node_modules/ so
 * its dependencies resolve) instead of compiling src/ now. Rewrites the `webhooks` section
 * of docs/benchmarks.md unless `--no-doc`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { twilioSignature } from '../src/connectors/twilio/webhooks.js';
import { benchPortfolio, compiledSnapshot } from './fixtures.js';
import { commandLine, hardware, loadAverage, rewriteSection, today } from './report.js';
import { postgresDatabase } from './postgres.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '2' },
    statuses: { type: 'string', default: 'sent,delivered' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    'no-doc': { type: 'boolean', default: false },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const WARMUP = Number(values.warmup);
if (
  ![DURATION, CONNECTIONS].every((n) => Number.isInteger(n) && n > 0) ||
  !Number.isInteger(WARMUP) ||
  WARMUP < 0
) {
  console.error('--duration and --connections take positive whole numbers, --warmup 0 or more');
  process.exit(2);
}
const engines = values.engines.split(',');
/** The callbacks of each message, in order (`--statuses sent` measures the router alone). */
const STATUSES = values.statuses.split(',');
if (!STATUSES.every((s) => s === 'sent' || s === 'delivered')) {
  console.error('--statuses lists sent and/or delivered');
  process.exit(2);
}
const TARGET = 3000;

// The server as it runs in production, compiled once for this run (see bench/fixtures.ts);
// BENCH_SNAPSHOT names an already compiled one instead (e.g. to try a change to it).
const snapshot = process.env.BENCH_SNAPSHOT ?? compiledSnapshot('webhooks');
const CLI = join(snapshot, 'arrears.js');
const dist = <T>(path: string): Promise<T> => import(`${snapshot}${path}`) as Promise<T>;
const { openDatabase } =
  await dist<typeof import('../src/storage/database.js')>('storage/database.js');
const { migrateToLatest } =
  await dist<typeof import('../src/storage/migrate.js')>('storage/migrate.js');
const { ensureDefaultOrganisation, DEFAULT_ORG_ID } = await dist<
  typeof import('../src/storage/repos/organisations-repo.js')
>('storage/repos/organisations-repo.js');
const { canonicalJson } = await dist<typeof import('../src/domain/audit/canonical-json.js')>(
  'domain/audit/canonical-json.js',
);
const { importJsonPortfolio } =
  await dist<typeof import('../src/app/import-portfolio.js')>('app/import-portfolio.js');
const { storesFor } = await dist<typeof import('../src/main.js')>('main.js');
const { systemClock } =
  await dist<typeof import('../src/app/ports/clock.js')>('app/ports/clock.js');
const { verifyAudit } = await dist<typeof import('../src/storage/repos/audit-repo.js')>(
  'storage/repos/audit-repo.js',
);

type Db = Awaited<ReturnType<typeof openDatabase>>;

const AUTH_TOKEN = 'bench-twilio-auth-token';
const ACCOUNT_SID = `AC${'0'.repeat(31)}1`;
const PUBLIC_URL = 'https://arrears.example.com';
const PATH = '/webhooks/twilio';
const LEASES = 1000;
/**
 * Items seeded: enough for 8,000 callbacks/s over the whole run (a `delivered` past them
 * would find no item: another path, reported by the check).
 */
const MESSAGES = STATUSES.includes('delivered')
  ? Math.ceil(((DURATION + WARMUP) * 8000) / STATUSES.length / 1000) * 1000
  : 1000;

const sidOf = (i: number) => `SM${i.toString(16).padStart(32, '0')}`;
const keyOf = (i: number) => `L${i % LEASES}:${Math.floor(i / LEASES) + 1}:late-notice:sms`;

/**
 * The leases, and `MESSAGES` SMS items in `sent` with the SIDs Twilio gave them: the rows
 * the dispatcher leaves once Twilio accepted each message, written directly (through the
 * outbox's own insert and transitions they would take longer to seed than to measure).
 */
async function seed(db: Db): Promise<void> {
  await migrateToLatest(db);
  await ensureDefaultOrganisation(db, new Date().toISOString());
  const deps = { clock: systemClock, ...storesFor(db) };
  await importJsonPortfolio(deps, {
    orgId: DEFAULT_ORG_ID,
    fileName: 'bench.json',
    text: JSON.stringify(benchPortfolio(LEASES)),
    format: 'json',
    actor: 'bench',
  });
  const sentAt = new Date(Date.now() - 3_600_000).toISOString();
  const payload = canonicalJson({
    template: 'late-notice',
    body: 'Your rent of $1,500.00 is late.',
    pastDueCents: 150000,
  });
  for (let i = 0; i < MESSAGES; i += 500) {
    const ids = Array.from({ length: Math.min(500, MESSAGES - i) }, (_, k) => i + k);
    await db.kysely
      .insertInto('outbox')
      .values(
        ids.map((m) => ({
          org_id: DEFAULT_ORG_ID,
          key: keyOf(m),
          lease_id: `L${m % LEASES}`,
          episode: Math.floor(m / LEASES) + 1,
          stage: 'late-notice',
          action: 'sms',
          type: 'message',
          channel: 'sms',
          method: 'sms',
          contact_id: `T${m % LEASES}`,
          status: 'sent',
          reason: null,
          payload,
          policy_id: 'bench',
          policy_version: 1,
          amount_cents: null,
          approvals_required: 0,
          version: 1,
          due_at: sentAt,
          attempts: 1,
          claimed_by: null,
          claim_expires_at: null,
          provider: 'twilio',
          provider_id: sidOf(m),
          created_at: sentAt,
          updated_at: sentAt,
        })),
      )
      .execute();
  }
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

/** Starts `node ARGS…` and resolves once it says `listening on http://…` on stderr. */
function listening(args: string[], env: NodeJS.ProcessEnv): Promise<Server> {
  // Its stdout (the server's JSON log lines) goes to /dev/null.
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m)
        resolve({
          url: m[1]!,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
    });
    void exited.then((code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
  });
}

/** `arrears serve --port 0` with the Twilio connector, logging at `info` as in production. */
function serve(db: string): Promise<Server> {
  const env: NodeJS.ProcessEnv = {};
  // Only the connector under test: the parent's ARREARS_* settings stay out.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ARREARS_')) env[k] = v;
  Object.assign(env, {
    ARREARS_TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    ARREARS_TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    ARREARS_TWILIO_FROM: '+14155550100',
    ARREARS_PUBLIC_URL: PUBLIC_URL,
  });
  const nodeOptions = process.env.BENCH_SERVER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
  return listening(
    [...nodeOptions, CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--db', db],
    env,
  );
}

/**
 * The same-run baseline: a bare `node:http` server that reads each body and answers what
 * Arrears answers, with no verification, storage or logging — the most this machine, its
 * loopback and this load generator allow.
 */
function bareServer(): Promise<Server> {
  const code = `
    const http = require('node:http');
    http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const id = req.headers['i-twilio-idempotency-token'];
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify({ received: true, duplicate: false, eventId: id }));
      });
    }).listen(0, '127.0.0.1', function () {
      console.error('listening on http://127.0.0.1:' + this.address().port);
    });`;
  return listening(['-e', code], process.env);
}

interface Ledger {
  /** Event id → the message index and status of every request built. */
  issued: Map<string, { message: number; status: string }>;
  /** Event ids answered 2xx, and the other answers by status. */
  ok: Set<string>;
  failed: Map<string, number>;
}

const newLedger = (): Ledger => ({ issued: new Map(), ok: new Set(), failed: new Map() });

/** One autocannon run of signed Twilio status callbacks, each a new provider event. */
async function load(
  url: string,
  seconds: number,
  ledger: Ledger,
  next: { n: number },
): Promise<autocannon.Result> {
  const target = PUBLIC_URL + PATH;
  return autocannon({
    url: url + PATH,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context) => {
          const n = next.n++;
          const message = Math.floor(n / STATUSES.length);
          const status = STATUSES[n % STATUSES.length]!;
          const params = {
            AccountSid: ACCOUNT_SID,
            ApiVersion: '2010-04-01',
            From: '+14155550100',
            MessageSid: sidOf(message),
            MessageStatus: status,
            SmsSid: sidOf(message),
            SmsStatus: status,
            To: `+1415555${String(message % 10000).padStart(4, '0')}`,
          };
          const eventId = `${randomUUID()}-1`;
          ledger.issued.set(eventId, { message, status });
          (context as { eventId?: string }).eventId = eventId;
          return {
            ...request,
            method: 'POST',
            path: PATH,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-twilio-signature': twilioSignature(AUTH_TOKEN, target, params),
              'i-twilio-idempotency-token': eventId,
            },
            body: new URLSearchParams(params).toString(),
          };
        },
        onResponse: (status, _body, context) => {
          const eventId = (context as { eventId?: string }).eventId!;
          if (status >= 200 && status < 300) ledger.ok.add(eventId);
          else ledger.failed.set(eventId, status);
        },
      },
    ],
  });
}

/** A warm-up run, then the measured one. */
async function measure(server: Server, ledger: Ledger): Promise<autocannon.Result> {
  const next = { n: 0 };
  if (WARMUP > 0) await load(server.url, WARMUP, ledger, next);
  return load(server.url, DURATION, ledger, next);
}

type StoredEvent = { event_id: string; state: string; kept: number };

const storedEvents = (db: Db): Promise<StoredEvent[]> =>
  db.kysely
    .selectFrom('webhook_events')
    .select((eb) => [
      'event_id',
      'state',
      // Whether a body or headers are still stored (they must be cleared once handled).
      eb
        .case()
        .when(eb.or([eb('body', 'is not', null), eb('headers', 'is not', null)]))
        .then(1)
        .else(0)
        .end()
        .as('kept'),
    ])
    .where('connector', '=', 'twilio')
    .execute();

/** The inbox's events not handled yet. */
async function unhandledCount(db: Db): Promise<number> {
  const row = await db.kysely
    .selectFrom('webhook_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '<>', 'handled')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** At most this long is waited for the inbox to drain once the load stopped. */
const DRAIN_LIMIT_MS = 300_000;

interface Drain {
  /** Callbacks stored but not handled when the load stopped. */
  backlog: number;
  /** From the end of the load until every stored callback was handled (null: not within the limit). */
  ms: number | null;
}

/**
 * Waits for the server to apply what it stored: the callbacks still queued in its inbox, and
 * the requests autocannon cut off at its stop (it closes its connections; the server still
 * handles what it received). Done once every stored event is handled and no new one has
 * arrived for half a second; at most DRAIN_LIMIT_MS.
 */
async function settle(db: Db, stoppedAt: number): Promise<Drain> {
  const backlog = await unhandledCount(db);
  let last = -1;
  let quiet = 0;
  let drainedAt: number | null = null;
  while (quiet < 5 && Date.now() - stoppedAt < DRAIN_LIMIT_MS) {
    const [stored, unhandled] = await Promise.all([storedEvents(db), unhandledCount(db)]);
    if (unhandled > 0) drainedAt = null;
    else drainedAt ??= Date.now();
    quiet = unhandled === 0 && stored.length === last ? quiet + 1 : 0;
    last = stored.length;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { backlog, ms: quiet >= 5 && drainedAt !== null ? drainedAt - stoppedAt : null };
}

/** What the database holds against what was answered: nothing lost, nothing doubled. */
async function verify(
  db: Db,
  stored: StoredEvent[],
  ledger: Ledger,
  runs: number,
): Promise<{ check: string; passed: boolean }> {
  const k = db.kysely;
  const problems: string[] = [];
  const ids = new Set(stored.map((r) => r.event_id));
  const unhandled = stored.filter((r) => r.state !== 'handled').length;
  if (unhandled > 0) problems.push(`${unhandled} stored but never handled`);
  const kept = stored.filter((r) => r.state === 'handled' && Number(r.kept) > 0).length;
  if (kept > 0) problems.push(`${kept} handled but their body or headers still stored`);
  const lost = [...ledger.ok].filter((id) => !ids.has(id)).length;
  if (lost > 0) problems.push(`${lost} answered 2xx but not stored`);
  const unknown = stored.filter((r) => !ledger.issued.has(r.event_id)).length;
  if (unknown > 0) problems.push(`${unknown} stored that were never sent`);
  const refusedButStored = [...ledger.failed.keys()].filter((id) => ids.has(id)).length;
  if (refusedButStored > 0) problems.push(`${refusedButStored} answered non-2xx but stored`);
  const inFlight = stored.filter(
    (r) => !ledger.ok.has(r.event_id) && !ledger.failed.has(r.event_id),
  ).length;
  // Each autocannon run cuts at most one request per connection.
  if (inFlight > CONNECTIONS * runs)
    problems.push(`${inFlight} stored without an answer (more than the connections)`);

  // The effects: each stored `delivered` of a seeded message moved its item exactly once.
  const deliveredMessages = new Set<number>();
  let unseeded = 0;
  for (const r of stored) {
    const e = ledger.issued.get(r.event_id);
    if (e?.status !== 'delivered') continue;
    if (e.message < MESSAGES) deliveredMessages.add(e.message);
    else unseeded++;
  }
  const count = async (q: Promise<{ n: string | number | bigint }>) => Number((await q).n);
  const items = await count(
    k
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'delivered')
      .executeTakeFirstOrThrow(),
  );
  const transitions = await count(
    k
      .selectFrom('outbox_transitions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('to_status', '=', 'delivered')
      .executeTakeFirstOrThrow(),
  );
  const events = await count(
    k
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', '=', 'delivery')
      .executeTakeFirstOrThrow(),
  );
  const audited = await count(
    k
      .selectFrom('audit')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', '=', 'delivery.received')
      .executeTakeFirstOrThrow(),
  );
  const d = deliveredMessages.size;
  if (items !== d || transitions !== d || events !== d || audited !== d)
    problems.push(
      `${d} delivered callbacks stored, but ${items} items delivered, ${transitions} transitions, ${events} delivery events, ${audited} audit entries`,
    );
  const audit = await verifyAudit(db);
  if (!audit.ok) problems.push('the audit chain does not verify');

  const fmt = (n: number) => n.toLocaleString('en-US');
  return problems.length === 0
    ? {
        passed: true,
        check: `${fmt(stored.length)} stored = ${fmt(ledger.ok.size)} answered 2xx (warm-up included) + ${fmt(inFlight)} cut off in flight; ${fmt(d)} items delivered once each${unseeded ? ` (${fmt(unseeded)} delivered callbacks past the seeded items: unmatched)` : ''}; audit chain intact`,
      }
    : { passed: false, check: `FAILED: ${problems.join('; ')}` };
}

interface Row {
  label: string;
  result: autocannon.Result;
  check: string;
  /** Null for the baseline, which has no target. */
  passed: boolean | null;
  /** The inbox after the load (none for the baseline). */
  drain?: Drain;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** `1,234 queued, drained in 2.1 s (588/s)`. */
function drainText(d: Drain | undefined): string {
  if (!d) return '—';
  if (d.backlog === 0) return d.ms === null ? 'not drained' : 'nothing queued';
  if (d.ms === null) return `${fmt(d.backlog)} queued, not drained in ${DRAIN_LIMIT_MS / 1000} s`;
  return `${fmt(d.backlog)} queued, drained in ${(d.ms / 1000).toFixed(1)} s (${fmt((d.backlog * 1000) / Math.max(1, d.ms))}/s)`;
}

function logRow(r: Row): void {
  const codes = Object.entries(r.result.statusCodeStats ?? {})
    .map(([c, s]) => `${c}×${s.count}`)
    .join(', ');
  console.error(
    `${r.label}: ${Math.round(r.result.requests.p50)} req/s median (${Math.round(r.result.requests.average)} mean), latency p50 ${r.result.latency.p50} ms p99 ${r.result.latency.p99} ms; ${r.result['2xx']} 2xx, ${r.result.non2xx} non-2xx (${codes}), ${r.result.errors} errors; inbox after the load: ${drainText(r.drain)}; ${r.check}`,
  );
}

async function baseline(): Promise<Row> {
  const server = await bareServer();
  const ledger = newLedger();
  try {
    const result = await measure(server, ledger);
    return {
      label: 'baseline: bare node:http server',
      result,
      check: 'answers without reading the database',
      passed: null,
    };
  } finally {
    await server.stop();
  }
}

async function run(engine: 'sqlite' | 'postgres', dir: string): Promise<Row | string> {
  const label = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const url =
    engine === 'sqlite'
      ? `sqlite:${join(dir, 'webhooks.db')}`
      : await postgresDatabase('arrears_bench_webhooks');
  if (!url) return `| ${label} | skipped: no server at 127.0.0.1:5432 | | | | | | | |`;
  try {
    const t0 = Date.now();
    const db = await openDatabase(url);
    try {
      await seed(db);
      console.error(`${label}: seeded ${MESSAGES} sent SMS in ${Date.now() - t0} ms`);
      const server = await serve(url);
      const ledger = newLedger();
      let result: autocannon.Result;
      let drain: Drain;
      try {
        result = await measure(server, ledger);
        drain = await settle(db, Date.now());
      } finally {
        await server.stop();
      }
      // Read once the server has stopped: nothing can be added after this.
      const stored = await storedEvents(db);
      const { check, passed } = await verify(db, stored, ledger, WARMUP > 0 ? 2 : 1);
      return { label, result, check, passed, drain };
    } finally {
      await db.close();
    }
  } finally {
    if (engine === 'postgres') await postgresDatabase('arrears_bench_webhooks', true);
  }
}

async function postgresVersion(): Promise<string | undefined> {
  const url = await postgresDatabase('arrears_bench_webhooks');
  if (!url) return undefined;
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    const { rows } = await c.query<{ v: string }>("select current_setting('server_version') as v");
    return rows[0]?.v.split(' ')[0];
  } finally {
    await c.end();
    await postgresDatabase('arrears_bench_webhooks', true);
  }
}

const dir = mkdtempSync(join(os.tmpdir(), 'arrears-bench-webhooks-'));
const rows: string[] = [];
let failed = false;
const cell = (r: Row) => {
  const meets =
    r.passed === null
      ? null
      : r.passed &&
        r.result.non2xx === 0 &&
        r.result.errors === 0 &&
        r.result.requests.p50 >= TARGET;
  if (meets === false) failed = true;
  return `| ${r.label} | **${fmt(r.result.requests.p50)} req/s** median (${fmt(r.result.requests.average)} mean) | ${r.result.latency.p50} ms | ${r.result.latency.p99} ms | ${fmt(r.result['2xx'])} | ${fmt(r.result.non2xx)}${r.result.errors ? ` (+${r.result.errors} errors)` : ''} | ${drainText(r.drain)} | ${r.check} | ${meets === null ? '—' : meets ? '✓' : '✗'} |`;
};
try {
  const base = await baseline();
  logRow(base);
  rows.push(cell(base));
  for (const engine of engines) {
    if (engine !== 'sqlite' && engine !== 'postgres')
      throw new Error(`unknown engine ${engine}: use sqlite or postgres`);
    const r = await run(engine, dir);
    if (typeof r === 'string') {
      rows.push(r);
      continue;
    }
    logRow(r);
    rows.push(cell(r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const pgVersion = engines.includes('postgres') ? await postgresVersion() : undefined;
const mixText = [
  STATUSES.length > 1 ? 'for each message' : 'for each message only',
  STATUSES.map((st) =>
    st === 'sent'
      ? '`sent` (verified, deduplicated, acknowledged)'
      : '`delivered` (the item moves to `delivered`, with its delivery event and audit entry in one transaction)',
  ).join(' then '),
].join(' ');
const section = [
  '<!-- webhooks:start -->',
  '## Inbound webhooks',
  '',
  `Machine: ${hardware()}${pgVersion ? `, PostgreSQL ${pgVersion} (default settings)` : ''}; the server, the database and the load generator all on the same machine; load average ${loadAverage()} at the end (a shared machine). Measured ${today()} by \`${commandLine('bench:webhooks')}\`.`,
  '',
  `\`arrears serve\` (a child process, logging at \`info\`, where a webhook answered 2xx logs its request lines at \`debug\`) with the Twilio connector, over 1,000 leases and ${MESSAGES.toLocaleString('en-US')} SMS items in \`sent\`. autocannon posts Twilio status callbacks to \`/webhooks/twilio\` over ${CONNECTIONS} loopback connections for ${DURATION} s (after ${WARMUP} s of warm-up): ${mixText}, each signed with X-Twilio-Signature and carrying its own I-Twilio-Idempotency-Token. Each callback is stored in the server's webhook inbox (one multi-row insert and one commit per group of concurrent requests) before it is answered; while the server is quiet it is also handled before the answer, under load (more than 8 in hand) it is answered once stored and the inbox drainer applies it shortly after, in batches (taking about a tenth of the time while the server is busy answering). Requests/s is the median of the per-second counts: ingest, each callback verified, deduplicated and stored durably. When the load stops, the callbacks still queued are drained; \`inbox after the load\` is that backlog, how long it took to drain and the rate. The check then compares the database with the answers (callbacks cut off when autocannon stops are still handled by the server), every stored callback handled once with its body and headers cleared. The baseline, in the same run, is a bare \`node:http\` server answering the same requests without checking or storing anything. Target: ≥ ${TARGET.toLocaleString('en-US')} req/s, nothing lost or doubled.`,
  '',
  '| server | throughput | latency p50 | latency p99 | 2xx | non-2xx | inbox after the load | check | target |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '<!-- webhooks:end -->',
].join('\n');
if (!values['no-doc']) {
  rewriteSection('webhooks', section);
}
console.log(section);
if (failed) process.exitCode = 1;
