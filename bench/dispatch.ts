/**
 * `npm run bench:dispatch -- [--items N] [--workers 1,2,4] [--batch B] [--concurrency C]
 * [--repeat R] [--engines postgres,sqlite] [--no-doc]`: outbox dispatch throughput. The outbox is filled with N
 * approved SMS items (due now) and drained by W worker processes — each the dispatcher of
 * `arrears worker` (claim, re-check, `beginSend`, send, record: src/outbox/dispatcher.ts,
 * src/outbox/worker.ts, compiled first as `npm run build` does) — into a local fake
 * HTTP provider (test/support/fake-provider.ts) through the idempotent HTTP sender
 * (src/outbox/http-sender.ts, `Idempotency-Key` = the outbox key).
 *
 * Timed from the moment every worker is ready until the last item is `sent`. Afterwards it
 * checks what SPEC 12 promises: the provider received every key exactly once (none lost, no
 * duplicates), every item is `sent`, and the audit chain verifies. PostgreSQL runs each
 * worker count on a fresh database; SQLite (one file, one writer at a time) runs one worker.
 * Each configuration runs `--repeat` times (default 3; a shared machine is noisy): the table
 * gives the median and the best. Workers claim `--batch` items at a time (default 50) and
 * keep `--concurrency` of them in flight (default 16; `arrears worker` defaults to 25 and 1).
 *
 * The re-check answers "go" without reading the lease (as in the crash scenario): this
 * measures the outbox, not the evaluator. Rewrites the `dispatch` section of
 * docs/benchmarks.md unless `--no-doc`.
 *
 * `--child` is the worker process itself (started by this script).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeProvider } from '../test/support/fake-provider.js';
import { compiledSnapshot } from './fixtures.js';
import { commandLine, hardware, loadAverage, rewriteSection, today } from './report.js';
import { postgresDatabase } from './postgres.js';

// The engine as it runs in production, compiled (see bench/run.ts), and compiled once for
// this run: others rebuilding dist/ meanwhile do not change what is measured.
const snapshot = process.env.BENCH_SNAPSHOT ?? compiledSnapshot('dispatch');
const dist = <T>(path: string): Promise<T> => import(`${snapshot}${path}`) as Promise<T>;

const { values } = parseArgs({
  options: {
    child: { type: 'boolean', default: false },
    items: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '1,2,4' },
    batch: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '16' },
    repeat: { type: 'string', default: '3' },
    engines: { type: 'string', default: 'postgres,sqlite' },
    'no-doc': { type: 'boolean', default: false },
  },
});

if (values.child) await child();
else await main();

/** A worker process: env BENCH_DB, BENCH_PROVIDER_URL, BENCH_WORKER, BENCH_BATCH, BENCH_CONCURRENCY. */
async function child(): Promise<void> {
  const env = process.env;
  const { openDatabase } =
    await dist<typeof import('../src/storage/database.js')>('storage/database.js');
  const { createOutboxRepo } = await dist<typeof import('../src/storage/repos/outbox-repo.js')>(
    'storage/repos/outbox-repo.js',
  );
  const { createDispatcher } =
    await dist<typeof import('../src/outbox/dispatcher.js')>('outbox/dispatcher.js');
  const { createHttpSender } =
    await dist<typeof import('../src/outbox/http-sender.js')>('outbox/http-sender.js');
  const { senderRegistry } =
    await dist<typeof import('../src/outbox/senders.js')>('outbox/senders.js');
  const { abortOnSignals, runWorker } =
    await dist<typeof import('../src/outbox/worker.js')>('outbox/worker.js');
  const { systemClock } =
    await dist<typeof import('../src/app/ports/clock.js')>('app/ports/clock.js');
  const db = await openDatabase(env.BENCH_DB!);
  const workerId = env.BENCH_WORKER!;
  const dispatcher = createDispatcher({
    outbox: createOutboxRepo(db, systemClock),
    clock: systemClock,
    recheck: (item) => Promise.resolve({ ok: true, pastDueCents: item.pastDueCents }),
    workerId,
    senders: senderRegistry({
      'message:sms': createHttpSender({
        id: 'fake-api',
        url: env.BENCH_PROVIDER_URL!,
        idempotent: true,
        headers: { 'x-worker': workerId },
      }),
    }),
    batchSize: Number(env.BENCH_BATCH ?? 25),
    concurrency: Number(env.BENCH_CONCURRENCY ?? 1),
  });
  const controller = new AbortController();
  abortOnSignals(controller);
  // Start together: wait for the parent's go.
  await new Promise<void>((resolve) => {
    process.on('message', (m: { type?: string }) => {
      if (m.type === 'go') resolve();
    });
    process.send?.({ type: 'ready' });
  });
  const summary = await runWorker(dispatcher, {
    signal: controller.signal,
    intervalMs: 20,
    onError: (e) =>
      process.stderr.write(`${workerId}: ${e instanceof Error ? e.stack : String(e)}\n`),
  });
  await db.close();
  await new Promise<void>((resolve) =>
    process.send!(
      {
        type: 'stopped',
        summary,
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      },
      undefined,
      {},
      () => resolve(),
    ),
  );
  process.disconnect();
}

async function main(): Promise<void> {
  const items = Number(values.items);
  const batch = Number(values.batch);
  const concurrency = Number(values.concurrency);
  const repeat = Number(values.repeat);
  const workerCounts = values.workers.split(',').map(Number);
  if (
    ![items, batch, concurrency, repeat, ...workerCounts].every((n) => Number.isInteger(n) && n > 0)
  ) {
    console.error(
      '--items, --batch, --concurrency, --repeat and --workers take positive whole numbers',
    );
    process.exit(2);
  }
  const engines = values.engines.split(',');
  const { openDatabase } =
    await dist<typeof import('../src/storage/database.js')>('storage/database.js');
  const { migrateToLatest } =
    await dist<typeof import('../src/storage/migrate.js')>('storage/migrate.js');
  const { ensureDefaultOrganisation, DEFAULT_ORG_ID } = await dist<
    typeof import('../src/storage/repos/organisations-repo.js')
  >('storage/repos/organisations-repo.js');
  const { createOutboxRepo } = await dist<typeof import('../src/storage/repos/outbox-repo.js')>(
    'storage/repos/outbox-repo.js',
  );
  const { verifyAudit } = await dist<typeof import('../src/storage/repos/audit-repo.js')>(
    'storage/repos/audit-repo.js',
  );

  const keyOf = (i: number) => `L${String(i).padStart(7, '0')}:1:late-notice:sms`;

  interface Result {
    engine: 'PostgreSQL' | 'SQLite';
    workers: number;
    s: number;
    rate: number;
    check: string;
  }

  /** Fills the outbox, drains it with `workers` processes, checks the provider's view. */
  async function run(url: string, engine: Result['engine'], workers: number): Promise<Result> {
    const db = await openDatabase(url);
    try {
      await migrateToLatest(db);
      await ensureDefaultOrganisation(db, new Date().toISOString());
      const repo = createOutboxRepo(db);
      const due = new Date(Date.now() - 60_000).toISOString();
      for (let i = 0; i < items; i += 1000)
        await db.transaction((trx) =>
          repo.insertItems(
            trx,
            DEFAULT_ORG_ID,
            Array.from({ length: Math.min(1000, items - i) }, (_, k) => ({
              key: keyOf(i + k),
              leaseId: `L${String(i + k).padStart(7, '0')}`,
              episode: 1,
              stage: 'late-notice',
              action: 'sms',
              type: 'message',
              channel: 'sms',
              method: 'sms',
              contactId: `T${i + k}`,
              dueAt: due,
              payload: { template: 'late-notice', body: 'Your rent of $1,500.00 is late.' },
              policyId: 'bench',
              policyVersion: 1,
              amountCents: null,
              approvalsRequired: 0,
              pastDueCents: 150000,
            })),
            'system:bench',
          ),
        );
      const fake = await startFakeProvider();
      const children: ChildProcess[] = [];
      try {
        const ready: Promise<void>[] = [];
        for (let w = 0; w < workers; w++) {
          const c = fork(new URL(import.meta.url).pathname, ['--child'], {
            // BENCH_WORKER_NODE_OPTIONS: e.g. `--cpu-prof` to profile the workers.
            execArgv: [
              '--import',
              'tsx',
              ...(process.env.BENCH_WORKER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []),
            ],
            env: {
              ...process.env,
              BENCH_SNAPSHOT: snapshot,
              BENCH_DB: url,
              BENCH_PROVIDER_URL: fake.url,
              BENCH_WORKER: `bench-${w + 1}`,
              BENCH_BATCH: String(batch),
              BENCH_CONCURRENCY: String(concurrency),
            },
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          children.push(c);
          ready.push(
            new Promise((resolve, reject) => {
              c.once('message', () => resolve());
              c.once('exit', (code) => reject(new Error(`worker exited ${code} before ready`)));
            }),
          );
        }
        await Promise.all(ready);
        const t0 = process.hrtime.bigint();
        for (const c of children) c.send({ type: 'go' });
        // Done when every key has had its effect and no item is still open.
        for (;;) {
          await new Promise((r) => setTimeout(r, 50));
          if (fake.effects.size < items) continue;
          const open = await db.kysely
            .selectFrom('outbox')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', 'in', ['approved', 'dispatching'])
            .executeTakeFirstOrThrow();
          if (Number(open.n) === 0) break;
        }
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        const exits = children.map((c) => new Promise((r) => c.once('exit', r)));
        const cpu = children.map(
          (c) =>
            new Promise<number>((r) =>
              c.on('message', (m: { type?: string; cpuMs?: number }) => {
                if (m.type === 'stopped') r(m.cpuMs ?? 0);
              }),
            ),
        );
        for (const c of children) c.kill('SIGTERM');
        await Promise.all(exits);
        children.length = 0;
        const workerCpu = (await Promise.all(cpu)).reduce((a, b) => a + b, 0) / 1000;
        console.error(
          `  ${engine}, ${workers} worker(s): ${s.toFixed(1)} s; worker CPU ${workerCpu.toFixed(1)} s (${((workerCpu / items) * 1e6).toFixed(0)} µs/item)`,
        );

        // What the provider saw: each key exactly once.
        const problems: string[] = [];
        let lost = 0;
        let duplicated = 0;
        for (let i = 0; i < items; i++) {
          const k = keyOf(i);
          const effects = fake.effects.get(k) ?? 0;
          if (effects === 0) lost++;
          if (effects > 1) duplicated++;
        }
        const requests = [...fake.requests.values()].reduce((a, b) => a + b, 0);
        if (lost > 0) problems.push(`${lost} keys never reached the provider`);
        if (duplicated > 0) problems.push(`${duplicated} keys had more than one effect`);
        if (fake.effects.size !== items)
          problems.push(`${fake.effects.size - items} unexpected keys`);
        const statuses = await db.kysely
          .selectFrom('outbox')
          .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('status')
          .execute();
        const sent = Number(statuses.find((r) => r.status === 'sent')?.n ?? 0);
        if (sent !== items)
          problems.push(`statuses ${statuses.map((r) => `${r.status}=${String(r.n)}`).join(', ')}`);
        const audit = await verifyAudit(db);
        if (!audit.ok) problems.push('the audit chain does not verify');
        const check =
          problems.length === 0
            ? `${items.toLocaleString('en-US')} keys once each (${requests.toLocaleString('en-US')} requests), all sent, audit chain intact`
            : `FAILED: ${problems.join('; ')}`;
        return { engine, workers, s, rate: items / s, check };
      } finally {
        for (const c of children) c.kill('SIGKILL');
        await fake.close();
      }
    } finally {
      await db.close();
    }
  }

  const rows: string[] = [];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  /** `repeat` runs of one configuration, each on a fresh database: the median and the best. */
  async function measure(engine: 'PostgreSQL' | 'SQLite', workers: number): Promise<void> {
    const runs: Result[] = [];
    for (let r = 0; r < repeat; r++) {
      let url: string | undefined;
      let dir: string | undefined;
      if (engine === 'PostgreSQL') url = await postgresDatabase('arrears_bench_dispatch');
      else {
        dir = mkdtempSync(join(os.tmpdir(), 'arrears-bench-dispatch-'));
        url = `sqlite:${join(dir, 'bench.db')}`;
      }
      if (!url) {
        rows.push('| PostgreSQL | skipped: no server at 127.0.0.1:5432 | | | |');
        return;
      }
      try {
        const result = await run(url, engine, workers);
        runs.push(result);
        console.error(
          `${engine}, ${workers} worker(s): ${fmt(result.rate)} items/s; ${result.check}`,
        );
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
        else await postgresDatabase('arrears_bench_dispatch', true);
      }
    }
    const sorted = [...runs].sort((a, b) => a.rate - b.rate);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const best = sorted[sorted.length - 1]!;
    const failed = runs.find((x) => x.check.startsWith('FAILED'));
    rows.push(
      `| ${engine} | ${workers} | ${median.s.toFixed(1)} s | **${fmt(median.rate)} items/s** median, ${fmt(best.rate)} best of ${runs.length} | ${(failed ?? median).check}${failed ? '' : runs.length > 1 ? ' (every run)' : ''} |`,
    );
  }
  for (const engine of engines) {
    if (engine === 'postgres') for (const w of workerCounts) await measure('PostgreSQL', w);
    else if (engine === 'sqlite') await measure('SQLite', 1);
    else throw new Error(`unknown engine ${engine}: use postgres or sqlite`);
  }

  const section = [
    '<!-- dispatch:start -->',
    '## Outbox dispatch',
    '',
    `Machine: ${hardware()}; PostgreSQL (default settings), the workers and the fake provider all on the same machine; load average ${loadAverage()} at the end (a shared machine). Measured ${today()} by \`${commandLine('bench:dispatch')}\`.`,
    '',
    `${items.toLocaleString('en-US')} approved SMS items drained by worker processes (the \`arrears worker\` dispatcher, batches of ${batch}, ${concurrency} in flight per worker) into a local fake HTTP provider through the idempotent HTTP sender; the re-check answers "go" without reading the lease. Target: ≥ 2,000 items/s with 4 workers on PostgreSQL, no duplicates. (\`arrears worker\` itself claims 25 and sends one at a time: \`--batch 25 --concurrency 1\` measures that.)`,
    '',
    '| engine | workers | time | throughput | check |',
    '|---|---|---|---|---|',
    ...rows,
    '<!-- dispatch:end -->',
  ].join('\n');
  if (!values['no-doc']) {
    rewriteSection('dispatch', section);
  }
  console.log(section);
}
