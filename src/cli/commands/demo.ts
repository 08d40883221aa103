/**
 * `arrears demo` (= `npm start`, SPEC 9): an embedded SQLite database with the demo
 * portfolio (about 200 leases over residential, commercial and storage properties in five
 * states), sandbox connectors, a worker and the server with the dashboard on
 * http://127.0.0.1:8080. The demo clock can be moved forward from the dashboard; the
 * offset is kept in the database so a restart resumes the same day.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { scanPortfolio } from '../../app/scan-portfolio.js';
import type { Clock } from '../../app/ports/clock.js';
import { DEMO_PASSWORD } from '../../demo/portfolio.js';
import { seedDemo } from '../../demo/seed.js';
import { InputError } from '../../domain/errors.js';
import { startServer } from '../../http/server.js';
import { demoRoutes, provideDemoApi, type DemoControls } from '../../http/routes/v1/demo.js';
import { openRuntime, scanDepsFor, storesFor, type Runtime } from '../../main.js';
import { createDispatcher } from '../../outbox/dispatcher.js';
import type { Db } from '../../storage/database.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { makeFallbackPlanner } from '../../app/plan-fallback.js';
import type { CliContext } from '../context.js';
import { recheckFor, sendersFor } from './dispatch.js';
import { packageRoot, serverAppFor } from './serve.js';

const DAY_MS = 86_400_000;
const OFFSET_KEY = 'demo.clock_offset_days';

interface DemoOptions {
  host: string;
  port: string;
  db: string;
  fresh?: boolean;
  intervalMs: string;
}

/** A clock `offset` days ahead of the system clock. */
function demoClock(): Clock & { offsetDays: number } {
  const c = {
    offsetDays: 0,
    now: () => Date.now() + c.offsetDays * DAY_MS,
  };
  return c;
}

async function loadOffset(db: Db, orgId: string): Promise<number> {
  const row = await db.kysely
    .selectFrom('settings')
    .select('value')
    .where('org_id', '=', orgId)
    .where('key', '=', OFFSET_KEY)
    .executeTakeFirst();
  const n = row ? Number(JSON.parse(row.value)) : 0;
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

async function saveOffset(db: Db, orgId: string, days: number, at: string): Promise<void> {
  await db.kysely
    .deleteFrom('settings')
    .where('org_id', '=', orgId)
    .where('key', '=', OFFSET_KEY)
    .execute();
  await db.kysely
    .insertInto('settings')
    .values({ org_id: orgId, key: OFFSET_KEY, value: JSON.stringify(days), updated_at: at })
    .execute();
}

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'the demo: seeded portfolio of ~200 leases, sandbox connectors, worker and dashboard on http://127.0.0.1:8080',
    )
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--db <url>', 'the demo database', 'sqlite:./arrears-demo.db')
    .option('--fresh', 'start over: delete the demo database first')
    .option('--interval-ms <ms>', 'pause between worker passes', '3000')
    .action(async (opts: DemoOptions) => {
      const port = Number(opts.port);
      const interval = Number(opts.intervalMs);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new InputError([{ path: '--port', message: `\`${opts.port}\` is not a port` }]);
      if (!opts.db.startsWith('sqlite:'))
        throw new InputError([
          { path: '--db', message: 'the demo runs on an embedded SQLite database (sqlite:PATH)' },
        ]);
      if (opts.fresh) {
        const file = resolve(ctx.cwd, opts.db.slice('sqlite:'.length));
        for (const f of [file, `${file}-wal`, `${file}-shm`]) await rm(f, { force: true });
      }
      const clock = demoClock();
      const env = {
        ...ctx.env,
        // The sandbox channels' inbound webhooks work out of the box in the demo.
        ARREARS_SANDBOX_WEBHOOK_SECRET:
          ctx.env.ARREARS_SANDBOX_WEBHOOK_SECRET ?? 'demo-webhook-secret',
      };
      const rt = await openRuntime({ db: opts.db, env, cwd: ctx.cwd, clock });
      const stop = new AbortController();
      try {
        clock.offsetDays = await loadOffset(rt.db, rt.orgId);
        const today = () => new Date(clock.now()).toISOString().slice(0, 10);
        const seed = await seedDemo(rt, {
          examplesDir: join(packageRoot(), 'examples'),
          today: today(),
        });
        ctx.stderr(
          seed.seeded
            ? `arrears demo: seeded ${seed.leases} leases and ${seed.policies.length} policies\n`
            : `arrears demo: resuming (${seed.leases} leases, demo day ${today()})\n`,
        );
        const pass = passesFor(rt, clock);
        await pass.scan();
        const controls: DemoControls = {
          today,
          offsetDays: () => clock.offsetDays,
          async advance(days) {
            clock.offsetDays += days;
            await saveOffset(
              rt.db,
              rt.orgId,
              clock.offsetDays,
              new Date(clock.now()).toISOString(),
            );
            const scan = await pass.scan();
            const dispatched = await pass.dispatch();
            return { scan, dispatched };
          },
        };
        const app = await serverAppFor(rt, {
          logLevel: ctx.env.ARREARS_LOG_LEVEL ?? 'warn',
          publicUrl: ctx.env.ARREARS_PUBLIC_URL,
          log: (line) => ctx.stdout(line),
          extraApiRoutes: [provideDemoApi(controls), demoRoutes],
        });
        const server = await startServer(app, { host: opts.host, port });
        ctx.stderr(
          `\narrears demo: open ${server.url}\n` +
            `  sign in as admin@demo.arrears.app (or manager@, clerk@, owner@demo.arrears.app)\n` +
            `  password: ${DEMO_PASSWORD}\n` +
            `  demo day ${today()}; move the clock forward from the dashboard's header\n` +
            `  database ${rt.db.url}; Ctrl-C stops\n\n`,
        );
        const worker = (async () => {
          let lastScanDay = today();
          while (!stop.signal.aborted) {
            await new Promise((r) => setTimeout(r, interval));
            if (stop.signal.aborted) break;
            try {
              if (today() !== lastScanDay) {
                lastScanDay = today();
                await pass.scan();
              }
              await pass.dispatch();
            } catch (e) {
              ctx.stderr(`demo worker: ${(e as Error).message}\n`);
            }
          }
        })();
        await server.closed;
        stop.abort();
        await worker;
        ctx.stderr('arrears demo: stopped\n');
      } finally {
        stop.abort();
        await rt.close();
      }
    });
}

/** One scan and one dispatch pass over the demo runtime. */
function passesFor(rt: Runtime, clock: Clock) {
  const stores = storesFor(rt.db);
  const dispatcher = createDispatcher({
    outbox: createOutboxRepo(rt.db, clock),
    clock,
    recheck: recheckFor(rt),
    senders: sendersFor(rt),
    onFailed: makeFallbackPlanner({ clock, ...stores }),
    orgId: rt.orgId,
  });
  return {
    async scan() {
      const r = await scanPortfolio(scanDepsFor(rt, clock), {
        orgId: rt.orgId,
        actor: 'system:demo',
      });
      return {
        evaluated: r.evaluated,
        queued: r.queued,
        skipped: r.skipped,
        cancelled: r.cancelled,
      };
    },
    async dispatch() {
      let sent = 0;
      for (let i = 0; i < 20; i++) {
        const c = await dispatcher.runOnce();
        sent += c.sent + c.tasks;
        if (c.claimed === 0) break;
      }
      return sent;
    },
  };
}
